"""Domain models, grouped by aggregate. Importing this package registers every table."""
from .api_keys import ApiClient
from .auth import OtpChallenge, RevokedToken
from .cases import Case, CaseEvent, CaseFollower, CasePhoto, CaseRating
from .categories import Category
from .notifications import Notification
from .idempotency import IdempotencyKey
from .ledger import Account, LedgerEntry, LedgerTransaction
from .orders import Order, OrderEvent, OrderLapse
from .redemptions import Redemption
from .scheduling import ScheduledJob
from .supervision import DeliveryAttempt, DepartmentScore, Escalation, Instruction, Nudge, Whistle, WhistleTarget
from .people import Department, DepartmentRegion, RoleGrant, User
from .codes import QrCode, ScanLog, SheetJob
from .places import (
    Cadre,
    ContactRequest,
    EBike,
    Household,
    HouseholdAccessLog,
    HouseholdMember,
    MobileStall,
    Place,
    Rating,
    Shop,
    Visit,
)
from .regions import City, Region, RegionLevel
from .open311 import Open311Request

__all__ = [
    "ApiClient",
    "Open311Request",
    "Account",
    "LedgerEntry",
    "LedgerTransaction",
    "Order",
    "OrderEvent",
    "OrderLapse",
    "Redemption",
    "ScheduledJob",
    "DeliveryAttempt",
    "DepartmentScore",
    "Escalation",
    "Instruction",
    "Nudge",
    "Whistle",
    "WhistleTarget",
    "Case",
    "CaseEvent",
    "CaseFollower",
    "CasePhoto",
    "CaseRating",
    "IdempotencyKey",
    "Cadre",
    "ContactRequest",
    "EBike",
    "HouseholdAccessLog",
    "MobileStall",
    "Place",
    "QrCode",
    "Rating",
    "ScanLog",
    "SheetJob",
    "Visit",
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
