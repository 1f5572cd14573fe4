"""PLACEHOLDER: being written (demo seed). Replaced by the real module."""
import click

seed_demo_command = click.Command("seed-demo")
