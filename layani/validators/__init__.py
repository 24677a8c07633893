"""Pure validators for what citizens type into application forms.

Each validator takes the raw text (plus context such as "today" or a stated sex) and returns a
`Result`. On failure the result names the domain response that explains the problem
(`utter_invalid_<field>_<reason>`) and the values its template needs (`{count}`, `{code}`), so
the citizen-facing Indonesian sentence lives in `bot/domain/applications.yml`, never in code.
Nothing here touches Rasa, the network or a database, so every rule is testable in isolation.
"""

from layani.validators.result import Result

__all__ = ["Result"]
