"""argparse's own refusals, in the configured language (bot/cli/parser.py)."""

ES = {
    "cli.argparse.required": "faltan estos argumentos: {names}",
    "cli.argparse.unrecognized": "argumentos no reconocidos: {names}",
    "cli.argparse.choice": "argumento {arg}: «{value}» no es válido (elija entre {choices})",
    "cli.argparse.invalid": "argumento {arg}: «{value}» no es un valor válido ({kind})",
    "cli.argparse.one": "argumento {arg}: falta su valor",
}

EN = {
    "cli.argparse.required": "the following arguments are required: {names}",
    "cli.argparse.unrecognized": "unrecognized arguments: {names}",
    "cli.argparse.choice": "argument {arg}: «{value}» is not valid (choose from {choices})",
    "cli.argparse.invalid": "argument {arg}: «{value}» is not a valid value ({kind})",
    "cli.argparse.one": "argument {arg}: its value is missing",
}
