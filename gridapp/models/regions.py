"""The tenant (city) and its region tree: city → district → street → community → grid."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Optional

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gridapp.clock import now
from gridapp.extensions import db
from gridapp.models.base import BigId, IdMixin, TenantMixin, UTCDateTime, binary_string


class City(IdMixin, db.Model):
    """The tenant. Small and read everywhere: a reference table when distributed."""

    __tablename__ = "cities"
    code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now)
    # The city's system admins may require a second factor (TOTP) of every admin's password sign-in.
    require_admin_totp: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    # Replaced by a random one whenever a region changes, so every server's in-memory grid index knows to
    # rebuild (services.city_stamps, services.regions.grid_index).
    geometry_stamp: Mapped[int] = mapped_column(BigInteger, nullable=False, default=lambda: secrets.randbits(62), server_default="0")
    # The same for what an anonymous scan of the city's codes shows (services.codes.anonymous_views).
    codes_stamp: Mapped[int] = mapped_column(BigInteger, nullable=False, default=lambda: secrets.randbits(62), server_default="0")


class RegionLevel(str, enum.Enum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def depth(self) -> int:
        return list(RegionLevel).index(self)

    @property
    def label(self) -> str:
        return {"city": "市", "district": "区", "street": "街道", "community": "社区", "grid": "网格"}[self.value]


class Region(TenantMixin, db.Model):
    """A node of the region tree.

    `path` is a materialized path of ids ("/1/7/42/"): a subtree is one index range
    scan on (city_id, path), which stays fast at hundreds of thousands of nodes where a
    recursive query would not. The path is derived from the parent on creation and
    never edited by hand (see services.regions).
    """

    __tablename__ = "regions"
    __table_args__ = (
        UniqueConstraint("city_id", "code"),
        Index("ix_regions_city_id_path", "city_id", "path"),
        Index("ix_regions_city_id_level", "city_id", "level"),
        # Point-in-polygon pre-filter (services.geo): a range on min_lat, the rest checked in the index.
        Index("ix_regions_city_id_bbox", "city_id", "min_lat", "max_lat", "min_lng", "max_lng"),
        CheckConstraint(
            "level IN ('city', 'district', 'street', 'community', 'grid')", name="level_known"
        ),
    )
    parent_id: Mapped[Optional[int]] = mapped_column(BigId, ForeignKey("regions.id"), index=True)
    level: Mapped[str] = mapped_column(String(16), nullable=False)
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    path: Mapped[str] = mapped_column(binary_string(255), nullable=False)
    # Grids only: a GeoJSON Polygon/MultiPolygon and its bounding box, the box being
    # the indexed pre-filter for point-in-polygon.
    boundary_geojson: Mapped[Optional[str]] = mapped_column(Text)
    min_lng: Mapped[Optional[float]] = mapped_column(Float)
    min_lat: Mapped[Optional[float]] = mapped_column(Float)
    max_lng: Mapped[Optional[float]] = mapped_column(Float)
    max_lat: Mapped[Optional[float]] = mapped_column(Float)
    # A retired node takes no new reports and no new children; its history stays (services.regions.admin).
    retired_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    parent = relationship("Region", remote_side="Region.id")

    @property
    def level_enum(self) -> RegionLevel:
        return RegionLevel(self.level)

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this node, read off the path."""
        return [int(part) for part in self.path.strip("/").split("/")]

    def contains(self, other: "Region") -> bool:
        return other.city_id == self.city_id and other.path.startswith(self.path)
