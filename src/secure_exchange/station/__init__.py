"""The station layer: one command's station (``Station``) and the operations the CLI runs.

Open the station once per command (``with Station.open(home) as station:``) and hand it to
each operation; every operation writes its audit event first (fail closed). Operations are
grouped by who runs them: every station (set-up, keys, agreements, packages, media), the
community (party A) and the bank (party B).
"""

from secure_exchange.station.bank import (
    Reidentification,
    reidentify,
    score_package,
    seal_decisions,
)
from secure_exchange.station.common import (
    PassphraseFn,
    Stage,
    agreement_import,
    agreement_new,
    agreement_sign,
    create_key,
    export_age_identity,
    export_public,
    init,
    unlock,
)
from secure_exchange.station.community import (
    SealOutcome,
    check_ledger,
    load_checked_ledger,
    read_results,
    score_ledger,
    seal_ledger,
)
from secure_exchange.station.exchange import (
    WITNESS_FILE,
    check_package_folder,
    import_package,
    open_imported,
    seal_groups,
    verify_package,
    was_imported,
)
from secure_exchange.station.home import (
    ROLES,
    HomeLayout,
    StationInfo,
    init_station,
    load_station,
    station_home,
)
from secure_exchange.station.media import (
    LABEL_NAME,
    SIGNATURE_NAME,
    MediaCheck,
    MediaForgedError,
    MediaLabel,
    MediaNotEnrolledError,
    MediaNotRegisteredError,
    MediaOtherUnitError,
    MediaStatus,
    check_media,
    check_target,
    default_enrolling_key,
    enroll,
    enroll_media,
    list_media,
    mount_roots,
)
from secure_exchange.station.notify import (
    NOTIFY_COLUMNS,
    REASONS,
    ReidentifyError,
    notification_list,
    reason_labels,
    reasons_text,
)
from secure_exchange.station.register import ReplayRegister, SequenceCounter
from secure_exchange.station.results import results_for_residents
from secure_exchange.station.station import Station, key_actor, user_actor

__all__ = [
    "LABEL_NAME",
    "NOTIFY_COLUMNS",
    "REASONS",
    "ROLES",
    "SIGNATURE_NAME",
    "WITNESS_FILE",
    "HomeLayout",
    "MediaCheck",
    "MediaForgedError",
    "MediaLabel",
    "MediaNotEnrolledError",
    "MediaNotRegisteredError",
    "MediaOtherUnitError",
    "MediaStatus",
    "PassphraseFn",
    "Reidentification",
    "ReidentifyError",
    "ReplayRegister",
    "SealOutcome",
    "SequenceCounter",
    "Stage",
    "Station",
    "StationInfo",
    "agreement_import",
    "agreement_new",
    "agreement_sign",
    "check_ledger",
    "check_media",
    "check_package_folder",
    "check_target",
    "create_key",
    "default_enrolling_key",
    "enroll",
    "enroll_media",
    "export_age_identity",
    "export_public",
    "import_package",
    "init",
    "init_station",
    "key_actor",
    "list_media",
    "load_checked_ledger",
    "load_station",
    "mount_roots",
    "notification_list",
    "open_imported",
    "read_results",
    "reason_labels",
    "reasons_text",
    "reidentify",
    "results_for_residents",
    "score_ledger",
    "score_package",
    "seal_decisions",
    "seal_groups",
    "seal_ledger",
    "station_home",
    "unlock",
    "user_actor",
    "verify_package",
    "was_imported",
]
