"""Domain models, grouped by aggregate. Importing this package registers every table."""
from gridapp.models.api_keys import ApiClient
from gridapp.models.auth import AttemptCounter, OtpChallenge, RevokedToken
from gridapp.models.care import (
    CareEvent,
    CareRead,
    CareRecord,
    CareSignal,
    CareVisit,
    RiskRating,
    RiskRatingEvent,
    RiskRoute,
)
from gridapp.models.cases import Case, CaseEvent, CaseFollower, CaseModeration, CasePhoto, CaseRating
from gridapp.models.categories import Category
from gridapp.models.codes import QrCode, ScanLog, SheetJob
from gridapp.models.consultations import Consultation, ConsultationAnswer
from gridapp.models.direct_line import (
    Conversation,
    ConversationMessage,
    ConversationPhoto,
    GridContact,
    GridContactEvent,
)
from gridapp.models.disputes import Dispute, DisputeEvent, DisputeParty, DisputeRating, DisputeSession, Mediator
from gridapp.models.hotline import HotlineFollowUp
from gridapp.models.idempotency import IdempotencyKey
from gridapp.models.ledger import Account, LedgerEntry, LedgerTransaction
from gridapp.models.links import AccountLink, AccountLinkEvent
from gridapp.models.neighbourhood import (
    NeighbourhoodEvent,
    NeighbourhoodHead,
    NeighbourhoodHeadHousehold,
    PatrolPlan,
    PatrolRound,
)
from gridapp.models.notices import MemberTag, MemberTagEvent, Notice, NoticeRecipient
from gridapp.models.notifications import Notification
from gridapp.models.open311 import Open311Request
from gridapp.models.orders import Order, OrderEvent, OrderLapse
from gridapp.models.outbox import OutboxJob
from gridapp.models.people import AgreementConsent, Department, DepartmentRegion, RoleGrant, User
from gridapp.models.petitions import (
    Petition,
    Petitioner,
    PetitionEvent,
    PetitionHearing,
    PetitionRead,
    PetitionVisit,
)
from gridapp.models.places import (
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
from gridapp.models.rating_follow_ups import RatingFollowUp
from gridapp.models.redemptions import Redemption
from gridapp.models.referrals import Referral, ReferralEvent
from gridapp.models.regions import City, Region, RegionLevel
from gridapp.models.replies import ReplyTemplate
from gridapp.models.review_meetings import ActionItem, ActionItemPhoto, ReviewEvent, ReviewMeeting
from gridapp.models.rollups import CaseClock, CaseDepartmentRollup, CaseRollup
from gridapp.models.scheduling import ScheduledJob
from gridapp.models.setup import SetupChange
from gridapp.models.staff_audit import StaffAuditEntry, StaffAuditScope
from gridapp.models.suggestions import Suggestion, SuggestionEvent
from gridapp.models.supervision import (
    DeliveryAttempt,
    DepartmentScore,
    Escalation,
    Instruction,
    Nudge,
    Whistle,
    WhistleTarget,
)
from gridapp.models.task_forces import TaskForce, TaskForceEvent, TaskForceMember
from gridapp.models.uploads import PhotoUpload
from gridapp.models.venues import VenueCheckIn, VenueLookup
from gridapp.models.wechat import WeChatAccessToken
from gridapp.models.work_orders import ExternalEndpoint, ExternalRequest, ExternalUpdate, WorkOrder, WorkOrderCallback

__all__ = [
    "TaskForce",
    "TaskForceEvent",
    "TaskForceMember",
    "ActionItem",
    "ActionItemPhoto",
    "ReviewEvent",
    "ReviewMeeting",
    "Petition",
    "PetitionEvent",
    "PetitionHearing",
    "Petitioner",
    "PetitionRead",
    "PetitionVisit",
    "Referral",
    "ReferralEvent",
    "CareEvent",
    "CareRead",
    "CareRecord",
    "CareSignal",
    "CareVisit",
    "RiskRating",
    "RiskRatingEvent",
    "RiskRoute",
    "NeighbourhoodEvent",
    "NeighbourhoodHead",
    "NeighbourhoodHeadHousehold",
    "PatrolPlan",
    "PatrolRound",
    "HotlineFollowUp",
    "Consultation",
    "ConsultationAnswer",
    "RatingFollowUp",
    "Suggestion",
    "SuggestionEvent",
    "VenueCheckIn",
    "VenueLookup",
    "ReplyTemplate",
    "MemberTag",
    "MemberTagEvent",
    "Notice",
    "NoticeRecipient",
    "CaseClock",
    "CaseDepartmentRollup",
    "Dispute",
    "DisputeEvent",
    "DisputeParty",
    "DisputeRating",
    "DisputeSession",
    "Mediator",
    "CaseRollup",
    "PhotoUpload",
    "WeChatAccessToken",
    "AccountLink",
    "AccountLinkEvent",
    "AgreementConsent",
    "CaseModeration",
    "AttemptCounter",
    "ApiClient",
    "Open311Request",
    "ExternalEndpoint",
    "ExternalRequest",
    "ExternalUpdate",
    "WorkOrder",
    "WorkOrderCallback",
    "OutboxJob",
    "Account",
    "LedgerEntry",
    "LedgerTransaction",
    "Order",
    "OrderEvent",
    "OrderLapse",
    "Redemption",
    "ScheduledJob",
    "SetupChange",
    "StaffAuditEntry",
    "StaffAuditScope",
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
    "Conversation",
    "ConversationMessage",
    "ConversationPhoto",
    "GridContact",
    "GridContactEvent",
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
