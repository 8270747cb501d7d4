"""The ERP's side: file imports (usuarios, terceros, documentos, seguimientos), the
drop folder, and the demo data set."""
