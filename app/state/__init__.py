"""View state: what each screen shows for a given store, as plain data. No Flet here, so every rule
(filters, grouping, windows, shortcuts, mentions) is tested in plain pytest; `app.ui` only draws it."""
