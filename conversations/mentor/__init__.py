"""The mentor's side, on Slack: the monthly check-in, the contact log, concerns, the outcome
report, holidays and the answer to "continue, pause or stop?".

Other packages use three modules: `router` (the mentor's buttons, forms and commands, for
the engine), `rounds` (what the scheduler's ticks run: the monthly round, the check-in's
reminder and escalation) and `checkin` (sending a check-in by hand, from the CLI). The
flows behind the router (`contact_log`, `concern`, `interactions`, `outcome`, `holidays`,
`silence`) are private to the package.
"""

__all__ = ["checkin", "rounds", "router"]
