from trenova_db.cli.main import run

run()
