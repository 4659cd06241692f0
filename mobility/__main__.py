from mobility.cli import app

app()
