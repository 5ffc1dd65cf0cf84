from trenova_db.cli.launch import run

run()
