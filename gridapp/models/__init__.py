"""Domain models, grouped by aggregate. Importing this package registers every table."""
from .auth import OtpChallenge, RevokedToken
from .categories import Category
from .notifications import Notification
from .people import Department, DepartmentRegion, RoleGrant, User
from .places import Cadre, Household, HouseholdMember, Shop
from .regions import City, Region, RegionLevel

__all__ = [
    "Cadre",
    "Category",
    "City",
    "Department",
    "DepartmentRegion",
    "Household",
    "HouseholdMember",
    "Notification",
    "OtpChallenge",
    "Region",
    "RegionLevel",
    "RevokedToken",
    "RoleGrant",
    "Shop",
    "User",
]
