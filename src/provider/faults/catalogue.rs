//! The catalogue as data: each [`Fault`], its name and description, and the exact trials
//! that must fail under it with the finding each must carry ([`FAULT_CATALOGUE`]).

use std::fmt;
use std::str::FromStr;

/// One deviation from the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    StatusOutsideEnum,
    ActionOutsideEnum,
    LowercaseStatus,
    TimeAsString,
    TimeAsFloat,
    TimePastInt64,
    TimeInSeconds,
    TimeInMicroseconds,
    TimesOutOfOrder,
    ButtonMissingField,
    ButtonNullField,
    ButtonIntegerTypeStyle,
    ButtonsAsObject,
    PropertiesAsString,
    ProgressAsNumber,
    ProgressWithoutPercent,
    IdAsNumber,
    WrongId,
    TaskWithoutId,
    BlankId,
    TaskWithoutStatus,
    EmptyObject,
    EnvelopeBody,
    SuccessWithoutImage,
    FailureWithoutReason,
    NotStartedWithStartTime,
    NotStartedWithFinishTime,
    NotStartedWithImage,
    RunningWithFinishTime,
    RunningAt100,
    DuplicateCustomIds,
    ForeignCustomIds,
    KnownTaskNotFound,
    UndocumentedStatus,
    WrongContentType,
    InvalidJson,
    ByteOrderMark,
    UnknownId200Null,
    UnknownId200Empty,
    UnknownId204,
    UnknownId400,
    UnknownId500,
    NoCredentialAccepted,
    AnyKeyAccepted,
    EmptyBearerAccepted,
    TaskBehindRefusal,
    OddId500,
    ProgressBackwards,
    BackToQueue,
    LeavesSuccess,
    StartTimeChanges,
    NeverFinishes,
    OtherMethodsServed,
    NoAllowOn405,
    NoChallengeOn401,
    HeadRefused,
    HeadWithBody,
    LengthOn204,
    LengthLongerThanBody,
    SlowUnknownId,
    WatchedTaskSwapped,
    UndecodableBody,
    ForeignCharset,
    DuplicateContentType,
    IgnoresConnectionClose,
    PlaceholderImageUrl,
    ButtonsWhileUnfinished,
    MixedJobHash,
    KeyCaseInsensitive,
    KeyPrefixAccepted,
    IdPrefixRead,
    ExistenceOracle,
    SharedResult,
    TrailingSlashServed,
}

/// One trial family a fault must fail: exactly these cases of it, and each failure's report
/// must contain `finding`, the text the fault's one rule produces. A failure of the right trial
/// for another reason (a second rule firing) does not prove the rule the row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caught {
    /// The family: a check's name, `fuzz::ids`, `fuzz::credentials` or `lifecycle`.
    pub family: &'static str,
    /// The cases of the family that must fail (trial `family::case`), and no other.
    pub cases: &'static [&'static str],
    /// Text every one of those failures must contain.
    pub finding: &'static str,
}

impl Caught {
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// The trial names this entry expects to fail.
    pub fn trials(&self) -> impl Iterator<Item = String> + '_ {
        self.cases
            .iter()
            .map(move |case| format!("{}::{case}", self.family))
    }
}

/// The seeded tasks' cases (`task_<id>`), by what each task is; a test below keeps them equal
/// to the seeded ids.
pub mod cases {
    pub const BLEND: &str = "task_1747132423020537";
    pub const DESCRIBE: &str = "task_1747132603377140";
    pub const FOX: &str = "task_1747132783114582";
    pub const UPSCALE: &str = "task_1747132873290416";
    pub const VARIATION: &str = "task_1747132903845061";
    pub const REROLL_RUNNING: &str = "task_1747133233478205";
    pub const IMAGINE_RUNNING: &str = "task_1747133263912377";
    pub const FAILED: &str = "task_1747133023561928";
    pub const SUBMITTED: &str = "task_1747133288604719";
    pub const NOT_STARTED: &str = "task_1747133303155842";
    /// The advancing task, watched by the lifecycle family.
    pub const ADVANCING: &str = "task_1747133330250817";

    pub const ALL_TASKS: &[&str] = &[
        BLEND,
        DESCRIBE,
        FOX,
        UPSCALE,
        VARIATION,
        REROLL_RUNNING,
        IMAGINE_RUNNING,
        FAILED,
        SUBMITTED,
        NOT_STARTED,
    ];
    /// The finished tasks: each has buttons.
    pub const SUCCEEDED: &[&str] = &[BLEND, DESCRIBE, FOX, UPSCALE, VARIATION];
    /// Every task with a progress (the failed one has none).
    pub const WITH_PROGRESS: &[&str] = &[
        BLEND,
        DESCRIBE,
        FOX,
        UPSCALE,
        VARIATION,
        REROLL_RUNNING,
        IMAGINE_RUNNING,
        SUBMITTED,
        NOT_STARTED,
    ];
    /// Every task with two times to swap (the queued ones have only submitTime).
    pub const WITH_TWO_TIMES: &[&str] = &[
        BLEND,
        DESCRIBE,
        FOX,
        UPSCALE,
        VARIATION,
        REROLL_RUNNING,
        IMAGINE_RUNNING,
        FAILED,
    ];
    pub const RUNNING: &[&str] = &[REROLL_RUNNING, IMAGINE_RUNNING];
    pub const UNFINISHED_WITH_TIMES: &[&str] = &[REROLL_RUNNING, IMAGINE_RUNNING, SUBMITTED];
    pub const UNFINISHED: &[&str] = &[REROLL_RUNNING, IMAGINE_RUNNING, SUBMITTED, NOT_STARTED];
    /// Every task, and the framing and HEAD probes (which ask for the first one).
    pub const TASKS_FRAMING_AND_HEAD: &[&str] = &[
        BLEND,
        DESCRIBE,
        FOX,
        UPSCALE,
        VARIATION,
        REROLL_RUNNING,
        IMAGINE_RUNNING,
        FAILED,
        SUBMITTED,
        NOT_STARTED,
        "framing",
        "head",
    ];
    /// The finished tasks whose buttons carry a job hash (the describe's do not).
    pub const WITH_JOB_HASH: &[&str] = &[BLEND, FOX, UPSCALE, VARIATION];
}

const fn caught(
    family: &'static str,
    cases: &'static [&'static str],
    finding: &'static str,
) -> Caught {
    Caught {
        family,
        cases,
        finding,
    }
}

const SCHEMA: &str = "response_schema_conformance";

use cases::*;

/// Every fault with the trials that must fail, and only those, when the harness runs against
/// a provider making it, and the finding each failure must carry. The `fuzz::` rows are
/// reachable only by generated requests: no planned request carries an odd id or an empty
/// bearer token.
pub const FAULT_CATALOGUE: &[(Fault, &[Caught])] = &[
    (
        Fault::StatusOutsideEnum,
        &[caught(SCHEMA, ALL_TASKS, "/status: enum: expected one of")],
    ),
    (
        Fault::ActionOutsideEnum,
        &[caught(SCHEMA, ALL_TASKS, r#"/action: enum: expected one of ["IMAGINE","UPSCALE","VARIATION","REROLL","DESCRIBE","BLEND"], got "ZOOM""#)],
    ),
    (
        Fault::LowercaseStatus,
        &[caught(SCHEMA, ALL_TASKS, "/status: enum: expected one of")],
    ),
    (
        Fault::TimeAsString,
        &[caught(SCHEMA, ALL_TASKS, "/submitTime: type: expected integer, got \"")],
    ),
    (
        Fault::TimeAsFloat,
        &[caught(SCHEMA, ALL_TASKS, "/submitTime: format: expected an int64 integer literal")],
    ),
    (
        Fault::TimePastInt64,
        &[caught(SCHEMA, ALL_TASKS, "/submitTime: format: expected an int64 integer literal, got 9223372036854775808 (above int64 max)")],
    ),
    (
        Fault::TimeInSeconds,
        &[caught("time_plausibility", ALL_TASKS, "so the server sends seconds")],
    ),
    (
        Fault::TimeInMicroseconds,
        &[caught("time_plausibility", ALL_TASKS, "so the server sends microseconds")],
    ),
    (
        Fault::TimesOutOfOrder,
        &[caught("time_order", WITH_TWO_TIMES, " ms before ")],
    ),
    (
        Fault::ButtonMissingField,
        &[caught(SCHEMA, SUCCEEDED, "required: expected property \"emoji\"")],
    ),
    (
        Fault::ButtonNullField,
        &[caught(SCHEMA, SUCCEEDED, "/buttons/0/label: type: expected string, got null")],
    ),
    (
        Fault::ButtonIntegerTypeStyle,
        &[caught(SCHEMA, SUCCEEDED, "/buttons/0/type: type: expected string, got 2")],
    ),
    (
        Fault::ButtonsAsObject,
        &[caught(SCHEMA, SUCCEEDED, "/buttons: type: expected array, got {")],
    ),
    (
        Fault::PropertiesAsString,
        &[caught(SCHEMA, ALL_TASKS, "/properties: type: expected object, got \"")],
    ),
    (
        Fault::ProgressAsNumber,
        &[caught(SCHEMA, WITH_PROGRESS, "/progress: type: expected string, got ")],
    ),
    (
        Fault::ProgressWithoutPercent,
        &[caught("progress_format", WITH_PROGRESS, "is not a whole number from 0 to 100 followed by `%`")],
    ),
    (
        Fault::IdAsNumber,
        &[caught(SCHEMA, ALL_TASKS, "/id: type: expected string, got 17")],
    ),
    (
        Fault::WrongId,
        &[caught("task_id_matches", ALL_TASKS, "/id: the server returned task `17")],
    ),
    (
        Fault::TaskWithoutId,
        &[caught("task_id_matches", ALL_TASKS, "/id: the body has no `id`; expected the task asked for")],
    ),
    (
        Fault::BlankId,
        &[caught("task_id_matches", ALL_TASKS, "/id: the body's `id` is \"\", not the id asked for")],
    ),
    (
        Fault::TaskWithoutStatus,
        &[caught("status_consistency", ALL_TASKS, "/status: the body has no `status`; a task has one of NOT_START, SUBMITTED, IN_PROGRESS, FAILURE, SUCCESS")],
    ),
    (
        Fault::EmptyObject,
        &[
            caught("task_id_matches", ALL_TASKS, "/id: the body is an empty object, with no `id`"),
            caught("status_consistency", ALL_TASKS, "/status: the body is an empty object, with no `status`"),
        ],
    ),
    (
        Fault::EnvelopeBody,
        &[
            caught("task_id_matches", ALL_TASKS, "/id: the body has no `id`; expected the task asked for (`17"),
            caught("status_consistency", ALL_TASKS, "the body looks like an envelope: the task is under /result"),
        ],
    ),
    (
        Fault::SuccessWithoutImage,
        &[caught("status_consistency", SUCCEEDED, "/imageUrl: a SUCCESS task has no imageUrl")],
    ),
    (
        Fault::FailureWithoutReason,
        &[caught("status_consistency", &[FAILED], "/failReason: a FAILURE task has no failReason")],
    ),
    (
        Fault::NotStartedWithStartTime,
        &[caught("status_consistency", &[NOT_STARTED], "/startTime: a NOT_START task has startTime ")],
    ),
    (
        Fault::NotStartedWithFinishTime,
        &[caught("status_consistency", &[NOT_STARTED], "/finishTime: a NOT_START task has finishTime ")],
    ),
    (
        Fault::NotStartedWithImage,
        &[caught("status_consistency", &[NOT_STARTED], "/imageUrl: a NOT_START task has imageUrl \"https://")],
    ),
    (
        Fault::RunningWithFinishTime,
        &[caught("status_consistency", UNFINISHED_WITH_TIMES, "task has finishTime ")],
    ),
    (
        Fault::RunningAt100,
        &[caught("status_consistency", RUNNING, "/progress: an IN_PROGRESS task has progress `100%`, expected below 100%")],
    ),
    (
        Fault::DuplicateCustomIds,
        &[caught("button_custom_ids", SUCCEEDED, "repeats button 0's; each button needs its own")],
    ),
    (
        Fault::ForeignCustomIds,
        &[caught("button_custom_ids", SUCCEEDED, "is not a Midjourney component id")],
    ),
    (
        Fault::KnownTaskNotFound,
        &[caught("positive_data_acceptance", ALL_TASKS, "a valid request for an existing task got 404, expected a 2xx")],
    ),
    (
        Fault::UndocumentedStatus,
        &[caught("status_code_conformance", ALL_TASKS, "status 202 is not documented")],
    ),
    (
        Fault::WrongContentType,
        &[caught("content_type_conformance", ALL_TASKS, "Content-Type `text/plain; charset=utf-8` is not documented for status 200")],
    ),
    (
        Fault::InvalidJson,
        &[caught(SCHEMA, ALL_TASKS, "the body is not valid JSON at line 1")],
    ),
    (
        Fault::ByteOrderMark,
        &[caught(SCHEMA, ALL_TASKS, "the body starts with a UTF-8 byte order mark")],
    ),
    (
        Fault::UnknownId200Null,
        &[
            caught(SCHEMA, &["unknown_id"], "(root): type: expected object, got null"),
            caught("unknown_id_not_found", &["unknown_id"], "an id that cannot exist got 200 with body `null`"),
        ],
    ),
    (
        Fault::UnknownId200Empty,
        &[
            caught("content_type_conformance", &["unknown_id"], "no Content-Type header"),
            caught(SCHEMA, &["unknown_id"], "the body is empty, expected a JSON document"),
            caught("unknown_id_not_found", &["unknown_id"], "an id that cannot exist got 200 with an empty body"),
        ],
    ),
    (
        Fault::UnknownId204,
        &[
            caught("status_code_conformance", &["unknown_id"], "status 204 is not documented"),
            caught("unknown_id_not_found", &["unknown_id"], "an id that cannot exist got 204"),
        ],
    ),
    (
        Fault::UnknownId400,
        &[
            caught("status_code_conformance", &["unknown_id"], "status 400 is not documented"),
            caught("unknown_id_not_found", &["unknown_id"], "an id that cannot exist got 400"),
        ],
    ),
    (
        Fault::UnknownId500,
        &[
            caught("not_a_server_error", &["unknown_id"], "the server answered 500"),
            caught("status_code_conformance", &["unknown_id"], "status 500 is not documented"),
            caught("unknown_id_not_found", &["unknown_id"], "an id that cannot exist got 500"),
        ],
    ),
    (
        Fault::NoCredentialAccepted,
        &[
            caught("ignored_auth", &["missing_credential"], "a request without a credential got 200 with the task: the server ignored the credential"),
            // The id's first character percent-encoded is the same id: served like it.
            caught("ignored_auth", &["path_encoded_id"], "(the fetch path, encoded id variant) got 200 with the task"),
        ],
    ),
    (
        Fault::AnyKeyAccepted,
        &[caught("ignored_auth", &["wrong_key"], "a request with a wrong key got 200 with the task: the server ignored the credential")],
    ),
    (
        Fault::EmptyBearerAccepted,
        &[caught("fuzz::credentials", &["ignored_auth"], "a request with a wrong key got 200 with the task: the server ignored the credential")],
    ),
    (
        Fault::TaskBehindRefusal,
        &[
            caught("ignored_auth", &["missing_credential", "wrong_key"], "got 401 with the task in the body: the server refused the credential and sent the task all the same"),
            caught("ignored_auth", &["path_encoded_id"], "(the fetch path, encoded id variant) got 401 with the task"),
        ],
    ),
    (
        Fault::OddId500,
        &[caught(
            "fuzz::ids",
            &["not_a_server_error", "status_code_conformance", "unknown_id_not_found"],
            "500",
        )],
    ),
    (
        Fault::ProgressBackwards,
        &[caught("lifecycle", &[ADVANCING], "progress went down from 55% to 30%")],
    ),
    (
        Fault::BackToQueue,
        &[caught("lifecycle", &[ADVANCING], "status went from IN_PROGRESS to SUBMITTED: a task that started must not go back to the queue")],
    ),
    (
        Fault::LeavesSuccess,
        &[caught("lifecycle", &[ADVANCING], "status went from SUCCESS to IN_PROGRESS: a finished task must stay finished")],
    ),
    (
        Fault::StartTimeChanges,
        &[caught("lifecycle", &[ADVANCING], "startTime changed from ")],
    ),
    (
        Fault::NeverFinishes,
        &[caught("lifecycle", &[ADVANCING], "no terminal status (SUCCESS or FAILURE) within the")],
    ),
    (
        Fault::WatchedTaskSwapped,
        &[caught("lifecycle", &[ADVANCING], "the server returned task `1747133263912377` for a request for task `1747133330250817`")],
    ),
    (
        Fault::OtherMethodsServed,
        // PUT, PATCH and DELETE ask for the unknown id, so served like GET they get its 404,
        // which a server that routes no such method may answer too.
        &[caught(
            "unsupported_method",
            &["method_post"],
            "the server accepted POST with 200, a method the spec does not document",
        )],
    ),
    (
        Fault::NoAllowOn405,
        &[caught(
            "allow_on_405",
            &["method_post", "method_put", "method_patch", "method_delete"],
            "405 Method Not Allowed without an Allow header; RFC 9110 §15.5.6",
        )],
    ),
    (
        Fault::NoChallengeOn401,
        &[caught(
            "www_authenticate_on_401",
            &["missing_credential", "wrong_key"],
            "401 Unauthorized without a WWW-Authenticate header; RFC 9110 §15.5.2",
        )],
    ),
    (
        Fault::HeadRefused,
        &[caught("head_supported", &["head"], "HEAD got 405: the server refuses HEAD")],
    ),
    (
        Fault::HeadWithBody,
        &[caught(
            "head_has_no_body",
            &["head"],
            "bytes after its header block; RFC 9110 §9.3.2",
        )],
    ),
    (
        Fault::LengthOn204,
        &[caught(
            "honest_framing",
            &["options"],
            "a 204 carries `content-length: 12`; RFC 9110 §8.6",
        )],
    ),
    (
        Fault::LengthLongerThanBody,
        &[caught(
            "honest_framing",
            &["framing"],
            "but the connection closed after",
        )],
    ),
    (
        Fault::SlowUnknownId,
        &[caught(
            "max_response_time",
            &["unknown_id"],
            "longer than the 100 ms --max-response-time allows",
        )],
    ),
    (
        Fault::UndecodableBody,
        &[caught(SCHEMA, ALL_TASKS, "the body is labelled `Content-Encoding: gzip` but it does not decode as gzip")],
    ),
    (
        Fault::ForeignCharset,
        &[caught("content_type_conformance", ALL_TASKS, "declares charset `iso-8859-1`, but JSON is UTF-8 (RFC 8259 §8.1)")],
    ),
    (
        Fault::DuplicateContentType,
        // The framing and HEAD probes ask for a task too (HEAD keeps GET's header fields).
        &[caught("single_header_fields", TASKS_FRAMING_AND_HEAD, "the answer carries 2 `content-type` field lines")],
    ),
    (
        Fault::IgnoresConnectionClose,
        &[caught("connection_close", &["framing"], "the request said `Connection: close`, but the connection was still open")],
    ),
    (
        Fault::PlaceholderImageUrl,
        &[caught("status_consistency", SUCCEEDED, "/imageUrl: a SUCCESS task has imageUrl `pending`, not an absolute http/https URL")],
    ),
    (
        Fault::ButtonsWhileUnfinished,
        &[caught("status_consistency", UNFINISHED, "task has buttons [{")],
    ),
    (
        Fault::MixedJobHash,
        &[caught("button_custom_ids", WITH_JOB_HASH, "carries job hash `ffffffff-17471")],
    ),
    (
        Fault::KeyCaseInsensitive,
        &[caught("fuzz::credentials", &["ignored_auth"], "a request with a wrong key got 200 with the task: the server ignored the credential")],
    ),
    (
        Fault::KeyPrefixAccepted,
        &[caught("fuzz::credentials", &["ignored_auth"], "a request with a wrong key got 200 with the task: the server ignored the credential")],
    ),
    (
        Fault::IdPrefixRead,
        &[caught("fuzz::ids", &["unknown_id_not_found"], "an id that cannot exist got 200")],
    ),
    (
        Fault::ExistenceOracle,
        &[caught("no_existence_oracle", &["missing_credential_unknown_id"], "without a credential, the id that cannot exist got 404 while an existing task (GET /mj/task/1747132423020537/fetch) got 401")],
    ),
    (
        Fault::TrailingSlashServed,
        &[caught("ignored_auth", &["path_trailing_slash"], "a request without a credential to `/mj/task/1747132423020537/fetch/` (the fetch path, trailing slash variant) got 200 with the task")],
    ),
    (
        Fault::SharedResult,
        &[caught("distinct_results", SUCCEEDED, "/imageUrl: imageUrl `https://cdn.discordapp.com/attachments/1109478473582641232/1371912356250157107/shared.png` is also the imageUrl of `task_")],
    ),
];

impl Fault {
    /// Every fault, in catalogue order.
    pub fn all() -> impl Iterator<Item = Fault> {
        FAULT_CATALOGUE.iter().map(|(fault, _)| *fault)
    }

    /// The trials that must fail under this fault, with the finding each must carry.
    pub fn caught(self) -> &'static [Caught] {
        FAULT_CATALOGUE
            .iter()
            .find(|(fault, _)| *fault == self)
            .map_or(&[], |(_, caught)| caught)
    }

    /// The trial families that must fail under this fault, as prefixes (`status_consistency::`).
    pub fn caught_by(self) -> Vec<String> {
        let mut families: Vec<String> = Vec::new();
        for caught in self.caught() {
            let family = format!("{}::", caught.family);
            if !families.contains(&family) {
                families.push(family);
            }
        }
        families
    }

    /// The name `--fault` takes.
    pub fn name(self) -> &'static str {
        match self {
            Fault::StatusOutsideEnum => "status-outside-enum",
            Fault::ActionOutsideEnum => "action-outside-enum",
            Fault::LowercaseStatus => "lowercase-status",
            Fault::TimeAsString => "time-as-string",
            Fault::TimeAsFloat => "time-as-float",
            Fault::TimePastInt64 => "time-past-int64",
            Fault::TimeInSeconds => "time-in-seconds",
            Fault::TimeInMicroseconds => "time-in-microseconds",
            Fault::TimesOutOfOrder => "times-out-of-order",
            Fault::ButtonMissingField => "button-missing-field",
            Fault::ButtonNullField => "button-null-field",
            Fault::ButtonIntegerTypeStyle => "button-integer-type-style",
            Fault::ButtonsAsObject => "buttons-as-object",
            Fault::PropertiesAsString => "properties-as-string",
            Fault::ProgressAsNumber => "progress-as-number",
            Fault::ProgressWithoutPercent => "progress-without-percent",
            Fault::IdAsNumber => "id-as-number",
            Fault::WrongId => "wrong-id",
            Fault::TaskWithoutId => "task-without-id",
            Fault::BlankId => "blank-id",
            Fault::TaskWithoutStatus => "task-without-status",
            Fault::EmptyObject => "empty-object",
            Fault::EnvelopeBody => "envelope-body",
            Fault::SuccessWithoutImage => "success-without-image",
            Fault::FailureWithoutReason => "failure-without-reason",
            Fault::NotStartedWithStartTime => "not-started-with-start-time",
            Fault::NotStartedWithFinishTime => "not-started-with-finish-time",
            Fault::NotStartedWithImage => "not-started-with-image",
            Fault::RunningWithFinishTime => "running-with-finish-time",
            Fault::RunningAt100 => "running-at-100",
            Fault::DuplicateCustomIds => "duplicate-custom-ids",
            Fault::ForeignCustomIds => "foreign-custom-ids",
            Fault::KnownTaskNotFound => "known-task-not-found",
            Fault::UndocumentedStatus => "undocumented-status",
            Fault::WrongContentType => "wrong-content-type",
            Fault::InvalidJson => "invalid-json",
            Fault::ByteOrderMark => "byte-order-mark",
            Fault::UnknownId200Null => "unknown-id-200-null",
            Fault::UnknownId200Empty => "unknown-id-200-empty",
            Fault::UnknownId204 => "unknown-id-204",
            Fault::UnknownId400 => "unknown-id-400",
            Fault::UnknownId500 => "unknown-id-500",
            Fault::NoCredentialAccepted => "no-credential-accepted",
            Fault::AnyKeyAccepted => "any-key-accepted",
            Fault::EmptyBearerAccepted => "empty-bearer-accepted",
            Fault::TaskBehindRefusal => "task-behind-refusal",
            Fault::OddId500 => "odd-id-500",
            Fault::ProgressBackwards => "progress-backwards",
            Fault::BackToQueue => "back-to-queue",
            Fault::LeavesSuccess => "leaves-success",
            Fault::StartTimeChanges => "start-time-changes",
            Fault::NeverFinishes => "never-finishes",
            Fault::OtherMethodsServed => "other-methods-served",
            Fault::NoAllowOn405 => "no-allow-on-405",
            Fault::NoChallengeOn401 => "no-challenge-on-401",
            Fault::HeadRefused => "head-refused",
            Fault::HeadWithBody => "head-with-body",
            Fault::LengthOn204 => "length-on-204",
            Fault::LengthLongerThanBody => "length-longer-than-body",
            Fault::SlowUnknownId => "slow-unknown-id",
            Fault::WatchedTaskSwapped => "watched-task-swapped",
            Fault::UndecodableBody => "undecodable-body",
            Fault::ForeignCharset => "foreign-charset",
            Fault::DuplicateContentType => "duplicate-content-type",
            Fault::IgnoresConnectionClose => "ignores-connection-close",
            Fault::PlaceholderImageUrl => "placeholder-image-url",
            Fault::ButtonsWhileUnfinished => "buttons-while-unfinished",
            Fault::MixedJobHash => "mixed-job-hash",
            Fault::KeyCaseInsensitive => "key-case-insensitive",
            Fault::KeyPrefixAccepted => "key-prefix-accepted",
            Fault::IdPrefixRead => "id-prefix-read",
            Fault::ExistenceOracle => "existence-oracle",
            Fault::SharedResult => "shared-result",
            Fault::TrailingSlashServed => "trailing-slash-served",
        }
    }

    /// One line on what the provider does wrong.
    pub fn description(self) -> &'static str {
        match self {
            Fault::StatusOutsideEnum => "status `CANCEL`, a value outside the documented five",
            Fault::ActionOutsideEnum => "action `ZOOM`, a value outside the documented six",
            Fault::LowercaseStatus => "status in lowercase (`success`)",
            Fault::TimeAsString => "times as strings (`\"1747132423020\"`)",
            Fault::TimeAsFloat => "times as floats (`1747132423020.0`)",
            Fault::TimePastInt64 => "submitTime 9223372036854775808, one past int64",
            Fault::TimeInSeconds => "times in epoch seconds instead of milliseconds",
            Fault::TimeInMicroseconds => "times in epoch microseconds instead of milliseconds",
            Fault::TimesOutOfOrder => "startTime after finishTime (or submitTime after startTime)",
            Fault::ButtonMissingField => "buttons without `emoji`",
            Fault::ButtonNullField => "buttons with `\"label\": null`",
            Fault::ButtonIntegerTypeStyle => {
                "button `type` and `style` as integers (`2`), as every real family sends them"
            }
            Fault::ButtonsAsObject => "buttons as an object keyed by customId, not an array",
            Fault::PropertiesAsString => "properties as a JSON-encoded string",
            Fault::ProgressAsNumber => "progress as a number (`45`)",
            Fault::ProgressWithoutPercent => "progress without the percent sign (`\"45\"`)",
            Fault::IdAsNumber => "the id as a number",
            Fault::WrongId => "another task's id in the body",
            Fault::TaskWithoutId => "task bodies without `id`",
            Fault::BlankId => "task bodies with `\"id\": \"\"`",
            Fault::TaskWithoutStatus => "task bodies without `status`",
            Fault::EmptyObject => "`{}` for every existing task",
            Fault::EnvelopeBody => {
                "every task inside a relay envelope `{\"code\":1,\"description\":\"success\",\"result\":{…}}`"
            }
            Fault::SuccessWithoutImage => "SUCCESS tasks without imageUrl",
            Fault::FailureWithoutReason => "FAILURE tasks without failReason",
            Fault::NotStartedWithStartTime => "NOT_START tasks with a startTime",
            Fault::NotStartedWithFinishTime => "NOT_START tasks with a finishTime",
            Fault::NotStartedWithImage => "NOT_START tasks with an imageUrl",
            Fault::RunningWithFinishTime => "SUBMITTED and IN_PROGRESS tasks with a finishTime",
            Fault::RunningAt100 => "IN_PROGRESS tasks at progress `100%`",
            Fault::DuplicateCustomIds => "every button of a task with the same customId",
            Fault::ForeignCustomIds => "button customIds without the `MJ::` prefix",
            Fault::KnownTaskNotFound => "404 for every task, existing or not",
            Fault::UndocumentedStatus => "202 instead of 200 for existing tasks",
            Fault::WrongContentType => "tasks served as `text/plain`",
            Fault::InvalidJson => "task bodies cut off halfway (invalid JSON)",
            Fault::ByteOrderMark => "a UTF-8 byte order mark before each task body",
            Fault::UnknownId200Null => "unknown ids get 200 with body `null` (the Node port)",
            Fault::UnknownId200Empty => {
                "unknown ids get 200 with an empty body and no Content-Type (the Java proxy)"
            }
            Fault::UnknownId204 => "unknown ids get 204 No Content (the C# proxy)",
            Fault::UnknownId400 => "unknown ids get 400 `task_no_found` (new-api)",
            Fault::UnknownId500 => "unknown ids crash the server: 500",
            Fault::NoCredentialAccepted => "requests without a credential are served",
            Fault::AnyKeyAccepted => "any bearer key is accepted",
            Fault::EmptyBearerAccepted => "`Authorization: Bearer` with an empty token is accepted",
            Fault::TaskBehindRefusal => {
                "a missing or wrong credential gets the right 401 or 403, with the task as its body"
            }
            Fault::OddId500 => {
                "ids with characters other than letters, digits, `-` and `_` crash the server: 500"
            }
            Fault::ProgressBackwards => "the advancing task's progress goes 10%, 55%, 30%",
            Fault::BackToQueue => "the advancing task goes from IN_PROGRESS back to SUBMITTED",
            Fault::LeavesSuccess => "the advancing task leaves SUCCESS for IN_PROGRESS",
            Fault::StartTimeChanges => "the advancing task's startTime changes at every stage",
            Fault::NeverFinishes => "the advancing task stays IN_PROGRESS at 85% forever",
            Fault::OtherMethodsServed => {
                "POST, PUT, PATCH and DELETE on the fetch path are answered like GET"
            }
            Fault::NoAllowOn405 => "405 Method Not Allowed without an Allow header",
            Fault::NoChallengeOn401 => "401 without a WWW-Authenticate challenge",
            Fault::HeadRefused => "HEAD on the fetch path gets 405 (only GET is routed)",
            Fault::HeadWithBody => "the answer to HEAD carries the task body after its headers",
            Fault::LengthOn204 => "OPTIONS gets 204 No Content with `Content-Length: 12`",
            Fault::LengthLongerThanBody => {
                "when the client asks to close the connection, a task's Content-Length announces 10 bytes more than are sent"
            }
            Fault::SlowUnknownId => {
                "GET of an unknown id is answered after 300 ms (caught with --max-response-time 100ms)"
            }
            Fault::WatchedTaskSwapped => {
                "the advancing task is answered with another task's id once it is running"
            }
            Fault::UndecodableBody => {
                "task bodies labelled `Content-Encoding: gzip` but sent as plain JSON"
            }
            Fault::ForeignCharset => "tasks served as `application/json; charset=iso-8859-1`",
            Fault::DuplicateContentType => "tasks served with two `Content-Type` field lines",
            Fault::IgnoresConnectionClose => {
                "when the client asks to close the connection, a task's answer leaves it open for 3 s"
            }
            Fault::PlaceholderImageUrl => "SUCCESS tasks with `\"imageUrl\": \"pending\"`",
            Fault::ButtonsWhileUnfinished => {
                "NOT_START, SUBMITTED and IN_PROGRESS tasks offer upscale and variation buttons"
            }
            Fault::MixedJobHash => "the last button of a task carries another job's hash",
            Fault::KeyCaseInsensitive => {
                "the key is compared ignoring letter case (a case-insensitive database collation)"
            }
            Fault::KeyPrefixAccepted => {
                "a bearer token that starts with the key is accepted (`startsWith`)"
            }
            Fault::IdPrefixRead => {
                "an id is read by its leading digits (`parseInt`): `<id>x` is task `<id>`"
            }
            Fault::SharedResult => "every SUCCESS task answered with one and the same imageUrl",
            Fault::TrailingSlashServed => {
                "the fetch path with a trailing slash serves the task without a credential"
            }
            Fault::ExistenceOracle => {
                "the id is looked up before the key is checked: an unknown id gets 404 without a credential"
            }
        }
    }
}

impl Fault {
    // Reached only by the test tree (tests/, benches/).
    #[cfg_attr(not(feature = "internals"), allow(dead_code))]
    /// The run options a harness run needs to see this fault at all: a response-time limit
    /// is the user's to set, so a slow answer fails only under one.
    pub fn run_flags(self) -> &'static [&'static str] {
        match self {
            Fault::SlowUnknownId => &["--max-response-time", "100ms"],
            _ => &[],
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Fault::all()
            .find(|fault| fault.name() == name.trim())
            .ok_or_else(|| {
                format!("unknown fault `{name}`; `mjconform mock --list-faults` lists them")
            })
    }
}
