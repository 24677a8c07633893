"""Agency pack tooling: scaffold, spreadsheet import, lint and evaluation of service packs.

A pack is `nlu_data/agencies/<agency>/{agency.yml,nlu.yml,responses.yml}` (format in
docs/packs.md and docs/faq.md). Agency staff edit packs without a developer, so every tool here
reports problems as `file:line: what is wrong. Fix: what to do`, in terms of the files they edit.

Modules:
  model      load a pack with line numbers (ruamel.yaml marks) into plain dataclasses
  rules      the contract's limits (examples per topic, SMS segments, id and date formats)
  similarity normalisation and near-duplicate detection of training examples
  scaffold   `layani pack new`
  tabular    read CSV/XLSX rows and validate them (`layani pack import`)
  writer     merge imported topics into a pack's nlu.yml and responses.yml
  lint       `layani pack lint`
  evaluate   `layani pack eval`
"""
