from stancetrack.cli.app import run

run()
