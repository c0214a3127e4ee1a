"""Region boundaries as GeoJSON features: the base map when no tile layer is configured, and the outline over one."""
from __future__ import annotations

import json

from sqlalchemy import select

from gridapp.extensions import db
from gridapp.models import Region, RegionLevel


def feature_collection(regions) -> dict:
    """Regions with a drawn boundary as a FeatureCollection (WGS-84), named and levelled for labels and styles."""
    features = [
        {
            "type": "Feature",
            "id": region.id,
            "geometry": json.loads(region.boundary_geojson),
            "properties": {"id": region.id, "name": region.name, "level": region.level},
        }
        for region in regions
        if region.boundary_geojson
    ]
    return {"type": "FeatureCollection", "features": features}


def community_with_grids(community: Region) -> dict:
    """A community's own outline (when drawn) and its grids'."""
    grids = db.session.scalars(
        select(Region)
        .where(Region.city_id == community.city_id, Region.parent_id == community.id, Region.level == RegionLevel.GRID.value)
        .order_by(Region.id)
    )
    return feature_collection([community, *grids])
