"""矛盾纠纷调解: disputes (点单 → 接单 → 派单 → 办单 → 评单) and the mediator roster.

`access` who may see and do what, and what each viewer sees of a party; `workflow` every step of a dispute
(the 3-2-1 rule among them); `agreements` the agreement PDF and the parties' signatures; `roster` the mediators,
their record, yearly grade and bonus; `figures` the counts for the leaders' dashboard.
"""
