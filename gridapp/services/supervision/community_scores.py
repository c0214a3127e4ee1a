"""The communities' line in the monthly assessment, beside the departments' unit scores (scores.py).

A community starts the month at SCORE_START points like a department and loses SCORE_LOW_RATING_POINTS
for each 1-2 star rating its cadres received in the month and SCORE_LATE_FOLLOW_UP_POINTS for each
low-rating follow-up in its subtree (its cadres' and its shops') that was due in the month and not
closed within RATING_FOLLOW_UP_DAYS (services.participation.ratings). Computed from the records on
each read, so it needs no stored table; ranked by score, then name.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from gridapp.authz import Actor
from gridapp.clock import month_bounds
from gridapp.extensions import db
from gridapp.models import Region, RegionLevel
from gridapp.services.participation import ratings
from gridapp.services.regions import tree as regions


@dataclass
class CommunityScore:
    community: Region
    cadre_ratings: ratings.RegionRatings
    follow_ups: ratings.FollowUpTimeliness
    lost: dict[str, int]
    score: int
    rank: int = 0


def community_scores(actor: Actor, month: str) -> list[CommunityScore]:
    """The month's communities in the viewer's part of the tree, best first."""
    start, end = month_bounds(month)
    config = current_app.config
    rows = []
    for root in db.session.scalars(regions.roots_for(actor)):
        for community in db.session.scalars(regions.subtree(actor.city_id, root, RegionLevel.COMMUNITY).order_by(Region.code)):
            cadres = ratings.region_ratings(actor.city_id, community.path, "cadre", start, end)
            follow_ups = ratings.follow_up_timeliness(actor.city_id, community.path, start, end)
            lost = {
                "low_ratings": cadres.low * config["SCORE_LOW_RATING_POINTS"],
                "late_follow_ups": follow_ups.late * config["SCORE_LATE_FOLLOW_UP_POINTS"],
            }
            rows.append(CommunityScore(community, cadres, follow_ups, lost, config["SCORE_START"] - sum(lost.values())))
    rows.sort(key=lambda row: (-row.score, row.community.name))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    return rows
