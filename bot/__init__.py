"""The process that wires dialogs to storage and to Teams: the app, its settings and its doors."""
