"""argparse's own refusals speak the configured language too (issue 13, item 6)."""

from __future__ import annotations

import pytest

from bot.cli import main


@pytest.mark.parametrize(
    ("argv", "spanish", "english"),
    [
        (["users", "add"], "faltan estos argumentos", "the following arguments are required"),
        (["db", "upgrade", "--nada"], "argumentos no reconocidos", "unrecognized arguments"),
        (["import", "ventas", "x.csv"], "no es válido (elija entre", "is not valid (choose from"),
    ],
)
def test_argparse_refusals_in_both_languages(
    argv: list[str],
    spanish: str,
    english: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for lang, expected in (("es", spanish), ("en", english)):
        monkeypatch.setenv("CRM_LANGUAGE", lang)
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert expected in err, err
