//! Deviations from the contract the reference provider can be told to make, one at a time or
//! several together: `mjconform mock --fault NAME`, or [`ProviderConfig::faults`] from Rust.
//!
//! They exist to prove the harness: a check that no fault can make fail is a check nobody
//! knows works. [`FAULT_CATALOGUE`] says, for each fault, exactly which trial families must
//! fail when the harness runs against a provider making it; `tests/selftest.rs` runs every
//! row, and docs/mock.md prints the table. Each fault is one deviation, modelled on what real
//! servers do (see `docs/providers.md`), so that it is caught by its own check
//! and by no other.
//!
//! Scope: body and answer faults bend the seeded tasks (and the unknown-id and credential
//! probes); the advancing task changes only under the lifecycle faults, so the lifecycle
//! watch stays a witness of the lifecycle rules alone.
//!
//! [`ProviderConfig::faults`]: super::ProviderConfig::faults

use std::fmt;
use std::str::FromStr;

use axum::body::Body;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::reply;
use crate::contract::rules::TIME_FIELDS;

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
        &[caught("ignored_auth", &["missing_credential"], "a request without a credential got 200 with the task: the server ignored the credential")],
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
        &[caught("ignored_auth", &["missing_credential", "wrong_key"], "got 401 with the task in the body: the server refused the credential and sent the task all the same")],
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
        }
    }
}

impl Fault {
    /// The run options a harness run needs to see this fault at all: a response-time limit
    /// is the user's to set, so a slow answer fails only under one.
    pub fn run_flags(self) -> &'static [&'static str] {
        match self {
            Fault::SlowUnknownId => &["--max-response-time", "100ms"],
            _ => &[],
        }
    }

    /// How long the answer to an id the provider does not have is held back.
    pub fn unknown_id_delay(faults: &FaultSet) -> Option<std::time::Duration> {
        faults
            .has(Fault::SlowUnknownId)
            .then_some(std::time::Duration::from_millis(300))
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

/// The faults a provider makes, and what they do to its answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSet {
    faults: Vec<Fault>,
}

impl FaultSet {
    pub fn new(faults: &[Fault]) -> Self {
        FaultSet {
            faults: faults.to_vec(),
        }
    }

    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Whether a credential the provider would refuse is accepted anyway.
    pub fn waives_credential(&self, headers: &HeaderMap) -> bool {
        let values: Vec<&HeaderValue> = headers.get_all(AUTHORIZATION).iter().collect();
        let single = match values.as_slice() {
            [value] => value.to_str().ok(),
            _ => None,
        };
        (self.has(Fault::NoCredentialAccepted) && values.is_empty())
            || (self.has(Fault::AnyKeyAccepted) && super::auth::bearer_token(headers).is_some())
            || (self.has(Fault::EmptyBearerAccepted)
                && single.is_some_and(|value| value.trim().eq_ignore_ascii_case("bearer")))
    }

    /// A 401 as the faults make it: without its challenge under `no-challenge-on-401`.
    pub fn bend_unauthorized(&self, mut response: Response) -> Response {
        if self.has(Fault::NoChallengeOn401) {
            response.headers_mut().remove(WWW_AUTHENTICATE);
        }
        response
    }

    /// Whether the provider crashes on this (percent-decoded) id.
    pub fn crashes_on(&self, id: &str) -> bool {
        self.has(Fault::OddId500)
            && id
                .chars()
                .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    }

    /// The answer for an id the provider does not have, when a fault replaces the 404.
    pub fn unknown_id_answer(&self) -> Option<Response> {
        let answer = |status: StatusCode, content_type: Option<&'static str>, body: &[u8]| {
            bytes_response(status, content_type, body.to_vec())
        };
        self.faults.iter().find_map(|fault| match fault {
            Fault::UnknownId200Null => Some(answer(StatusCode::OK, Some(JSON), b"null")),
            Fault::UnknownId200Empty => Some(answer(StatusCode::OK, None, b"")),
            Fault::UnknownId204 => Some(answer(StatusCode::NO_CONTENT, None, b"")),
            Fault::UnknownId400 => Some(answer(
                StatusCode::BAD_REQUEST,
                Some(JSON),
                br#"{"description":"task_no_found ","type":"upstream_error","code":4}"#,
            )),
            Fault::UnknownId500 => Some(answer(StatusCode::INTERNAL_SERVER_ERROR, None, b"")),
            _ => None,
        })
    }

    /// The refusal of a missing or wrong credential with `status`, carrying `task` as its body
    /// under `task-behind-refusal`; `None` leaves the provider's own refusal.
    pub fn refusal_answer(&self, status: StatusCode, task: Option<&Value>) -> Option<Response> {
        if !self.has(Fault::TaskBehindRefusal) {
            return None;
        }
        let body = serde_json::to_vec(task?).ok()?;
        let mut response = bytes_response(status, Some(JSON), body);
        // The refusal keeps every other rule (a 401 still carries its challenge): this fault
        // is only about the body.
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        Some(response)
    }

    /// The answer serving seeded task `task`; `ids` are every seeded id, for the wrong-id fault.
    pub fn task_answer(&self, task: &Value, ids: &[String]) -> Response {
        if self.has(Fault::KnownTaskNotFound) {
            return reply::task_not_found();
        }
        let mut body = task.clone();
        if let Value::Object(fields) = &mut body {
            for fault in &self.faults {
                fault.bend(fields, ids);
            }
        }
        if self.has(Fault::EmptyObject) {
            body = json!({});
        }
        if self.has(Fault::EnvelopeBody) {
            body = json!({ "code": 1, "description": "success", "result": body });
        }
        let mut bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        if self.has(Fault::InvalidJson) {
            bytes.truncate(bytes.len() / 2);
        }
        if self.has(Fault::ByteOrderMark) {
            bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
        }
        let content_type = if self.has(Fault::WrongContentType) {
            "text/plain; charset=utf-8"
        } else {
            JSON
        };
        let status = if self.has(Fault::UndocumentedStatus) {
            StatusCode::ACCEPTED
        } else {
            StatusCode::OK
        };
        bytes_response(status, Some(content_type), bytes)
    }
}

const JSON: &str = "application/json";

fn bytes_response(
    status: StatusCode,
    content_type: Option<&'static str>,
    body: Vec<u8>,
) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    response
}

impl Fault {
    /// Bends one task body the way this fault says; faults about answers rather than bodies
    /// leave it alone.
    fn bend(self, task: &mut Map<String, Value>, ids: &[String]) {
        let status = task
            .get("status")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match self {
            Fault::StatusOutsideEnum => set_if_present(task, "status", json!("CANCEL")),
            Fault::ActionOutsideEnum => set_if_present(task, "action", json!("ZOOM")),
            Fault::LowercaseStatus => {
                if let Some(status) = status {
                    task.insert("status".into(), json!(status.to_lowercase()));
                }
            }
            Fault::TimeAsString => map_times(task, |time| json!(time.to_string())),
            Fault::TimeAsFloat => map_times(task, |time| json!(time as f64)),
            Fault::TimePastInt64 => {
                set_if_present(task, "submitTime", json!(i64::MAX as u64 + 1));
            }
            Fault::TimeInSeconds => map_times(task, |time| json!(time / 1_000)),
            Fault::TimeInMicroseconds => map_times(task, |time| json!(time.saturating_mul(1_000))),
            Fault::TimesOutOfOrder => {
                let pair = if task.contains_key("finishTime") {
                    ("startTime", "finishTime")
                } else {
                    ("submitTime", "startTime")
                };
                if let (Some(first), Some(second)) = (task.get(pair.0), task.get(pair.1)) {
                    let (first, second) = (first.clone(), second.clone());
                    task.insert(pair.0.into(), second);
                    task.insert(pair.1.into(), first);
                }
            }
            Fault::ButtonMissingField => each_button(task, |button| {
                button.remove("emoji");
            }),
            Fault::ButtonNullField => each_button(task, |button| {
                button.insert("label".into(), Value::Null);
            }),
            Fault::ButtonIntegerTypeStyle => each_button(task, |button| {
                for field in ["type", "style"] {
                    let number = button
                        .get(field)
                        .and_then(Value::as_str)
                        .and_then(|text| text.parse::<i64>().ok())
                        .unwrap_or(2);
                    button.insert(field.into(), Value::from(number));
                }
            }),
            Fault::ButtonsAsObject => {
                if let Some(Value::Array(buttons)) = task.remove("buttons") {
                    let keyed: Map<String, Value> = buttons
                        .into_iter()
                        .map(|button| {
                            let key = button["customId"].as_str().unwrap_or_default().to_owned();
                            (key, button)
                        })
                        .collect();
                    task.insert("buttons".into(), Value::Object(keyed));
                }
            }
            Fault::PropertiesAsString => {
                if let Some(properties) = task.get("properties") {
                    let text = properties.to_string();
                    task.insert("properties".into(), json!(text));
                }
            }
            Fault::ProgressAsNumber => {
                let number = task
                    .get("progress")
                    .and_then(Value::as_str)
                    .and_then(|p| p.trim_end_matches('%').parse::<u64>().ok());
                if let Some(number) = number {
                    task.insert("progress".into(), json!(number));
                }
            }
            Fault::ProgressWithoutPercent => {
                let bare = task
                    .get("progress")
                    .and_then(Value::as_str)
                    .map(|p| p.trim_end_matches('%').to_owned());
                if let Some(bare) = bare {
                    task.insert("progress".into(), json!(bare));
                }
            }
            Fault::IdAsNumber => {
                let number = task
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| id.parse::<u64>().ok());
                if let Some(number) = number {
                    task.insert("id".into(), json!(number));
                }
            }
            Fault::WrongId => {
                let own = task.get("id").and_then(Value::as_str).unwrap_or_default();
                let position = ids.iter().position(|id| id == own).unwrap_or(0);
                if let Some(other) = ids.get((position + 1) % ids.len().max(1)) {
                    if other != own {
                        task.insert("id".into(), json!(other));
                    }
                }
            }
            Fault::TaskWithoutId => {
                task.remove("id");
            }
            Fault::BlankId => set_if_present(task, "id", json!("")),
            Fault::TaskWithoutStatus => {
                task.remove("status");
            }
            Fault::NotStartedWithFinishTime if status.as_deref() == Some("NOT_START") => {
                if let Some(submitted) = task.get("submitTime").and_then(Value::as_i64) {
                    task.insert("finishTime".into(), json!(submitted + 1_000));
                }
            }
            Fault::NotStartedWithImage if status.as_deref() == Some("NOT_START") => {
                let id = task.get("id").and_then(Value::as_str).unwrap_or_default();
                let url = super::tasks::image_url("not_started", id);
                task.insert("imageUrl".into(), json!(url));
            }
            Fault::RunningWithFinishTime
                if matches!(status.as_deref(), Some("SUBMITTED" | "IN_PROGRESS")) =>
            {
                // After the last time set, so the times stay in order.
                let last = TIME_FIELDS
                    .iter()
                    .filter_map(|field| task.get(*field).and_then(Value::as_i64))
                    .max();
                if let Some(last) = last {
                    task.insert("finishTime".into(), json!(last + 1_000));
                }
            }
            Fault::RunningAt100 if status.as_deref() == Some("IN_PROGRESS") => {
                task.insert("progress".into(), json!("100%"));
            }
            Fault::SuccessWithoutImage if status.as_deref() == Some("SUCCESS") => {
                task.remove("imageUrl");
            }
            Fault::FailureWithoutReason if status.as_deref() == Some("FAILURE") => {
                task.remove("failReason");
            }
            Fault::NotStartedWithStartTime if status.as_deref() == Some("NOT_START") => {
                if let Some(submitted) = task.get("submitTime").and_then(Value::as_i64) {
                    task.insert("startTime".into(), json!(submitted + 1_000));
                }
            }
            Fault::DuplicateCustomIds => {
                let first = task
                    .get("buttons")
                    .and_then(|buttons| buttons.get(0))
                    .and_then(|button| button.get("customId"))
                    .cloned();
                if let Some(first) = first {
                    each_button(task, |button| {
                        button.insert("customId".into(), first.clone());
                    });
                }
            }
            Fault::ForeignCustomIds => each_button(task, |button| {
                let foreign = button
                    .get("customId")
                    .and_then(Value::as_str)
                    .map(|id| id.trim_start_matches("MJ::").to_owned());
                if let Some(foreign) = foreign {
                    button.insert("customId".into(), json!(foreign));
                }
            }),
            _ => {}
        }
    }
}

fn set_if_present(task: &mut Map<String, Value>, name: &str, value: Value) {
    if let Some(slot) = task.get_mut(name) {
        *slot = value;
    }
}

fn map_times(task: &mut Map<String, Value>, bend: impl Fn(i64) -> Value) {
    for field in TIME_FIELDS {
        if let Some(time) = task.get(field).and_then(Value::as_i64) {
            task.insert(field.into(), bend(time));
        }
    }
}

fn each_button(task: &mut Map<String, Value>, mut bend: impl FnMut(&mut Map<String, Value>)) {
    if let Some(Value::Array(buttons)) = task.get_mut("buttons") {
        for button in buttons {
            if let Value::Object(button) = button {
                bend(button);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::tasks::seeded_tasks;

    const NOW_MS: i64 = 1_747_133_323_000;

    fn read(response: Response) -> (u16, Option<String>, Vec<u8>) {
        crate::provider::reply::read(response)
    }

    fn bent(fault: Fault) -> Vec<Value> {
        let tasks = seeded_tasks(NOW_MS);
        let ids: Vec<String> = tasks
            .iter()
            .map(|task| task["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        let faults = FaultSet::new(&[fault]);
        tasks
            .iter()
            .map(|task| {
                let (_, _, body) = read(faults.task_answer(task, &ids));
                serde_json::from_slice(&body).expect("JSON")
            })
            .collect()
    }

    #[test]
    fn the_catalogue_lists_each_fault_once_with_a_unique_name() {
        let mut names: Vec<&str> = Fault::all().map(Fault::name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        for fault in Fault::all() {
            assert_eq!(fault.name().parse::<Fault>(), Ok(fault));
            assert!(!fault.caught_by().is_empty(), "{fault}");
            assert!(!fault.description().is_empty(), "{fault}");
            for caught in fault.caught() {
                assert!(!caught.cases.is_empty(), "{fault}");
                assert!(!caught.finding.is_empty(), "{fault}");
                assert!(!caught.family.ends_with("::"), "{fault}");
            }
        }
        let err = "no-such-fault".parse::<Fault>().unwrap_err();
        assert!(err.contains("--list-faults"), "{err}");
    }

    /// docs/mock.md shows the catalogue as a table; it must say what the code does.
    #[test]
    fn the_documented_table_matches_the_catalogue() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/mock.md");
        let readme = std::fs::read_to_string(path).expect("docs/mock.md");
        let mut missing = Vec::new();
        for fault in Fault::all() {
            let checks: Vec<String> = fault
                .caught_by()
                .iter()
                .map(|check| format!("`{}`", check.trim_end_matches("::")))
                .collect();
            let row = format!(
                "| `{}` | {} | {} |",
                fault.name(),
                fault.description(),
                checks.join(", ")
            );
            if !readme.contains(&row) {
                missing.push(row);
            }
        }
        assert!(
            missing.is_empty(),
            "docs/mock.md lacks the rows\n{}",
            missing.join("\n")
        );
    }

    #[test]
    fn every_body_fault_changes_some_seeded_task() {
        let clean = seeded_tasks(NOW_MS);
        for fault in [
            Fault::StatusOutsideEnum,
            Fault::ActionOutsideEnum,
            Fault::LowercaseStatus,
            Fault::TimeAsString,
            Fault::TimeAsFloat,
            Fault::TimePastInt64,
            Fault::TimeInSeconds,
            Fault::TimeInMicroseconds,
            Fault::TimesOutOfOrder,
            Fault::ButtonMissingField,
            Fault::ButtonNullField,
            Fault::ButtonIntegerTypeStyle,
            Fault::ButtonsAsObject,
            Fault::PropertiesAsString,
            Fault::ProgressAsNumber,
            Fault::ProgressWithoutPercent,
            Fault::IdAsNumber,
            Fault::WrongId,
            Fault::TaskWithoutId,
            Fault::BlankId,
            Fault::TaskWithoutStatus,
            Fault::EmptyObject,
            Fault::EnvelopeBody,
            Fault::SuccessWithoutImage,
            Fault::FailureWithoutReason,
            Fault::NotStartedWithStartTime,
            Fault::NotStartedWithFinishTime,
            Fault::NotStartedWithImage,
            Fault::RunningWithFinishTime,
            Fault::RunningAt100,
            Fault::DuplicateCustomIds,
            Fault::ForeignCustomIds,
        ] {
            assert_ne!(bent(fault), clean, "{fault} changes nothing");
        }
    }

    #[test]
    fn body_faults_bend_the_way_they_say() {
        let seconds = bent(Fault::TimeInSeconds);
        assert!(seconds[0]["submitTime"].as_i64().expect("a time") < 2_000_000_000);
        let floats = bent(Fault::TimeAsFloat);
        assert!(floats[0]["submitTime"].is_f64());
        let past = bent(Fault::TimePastInt64);
        assert_eq!(past[0]["submitTime"].as_u64(), Some(1 << 63));
        let wrong = bent(Fault::WrongId);
        let clean = seeded_tasks(NOW_MS);
        assert!(wrong
            .iter()
            .zip(&clean)
            .all(|(bent, clean)| bent["id"] != clean["id"]));
        let out_of_order = bent(Fault::TimesOutOfOrder);
        let first = &out_of_order[0];
        assert!(first["startTime"].as_i64() > first["finishTime"].as_i64());
    }

    #[test]
    fn answer_faults_change_status_type_and_bytes() {
        let task = &seeded_tasks(NOW_MS)[0];
        let ids = vec![task["id"].as_str().unwrap_or_default().to_owned()];
        let answer = |fault| read(FaultSet::new(&[fault]).task_answer(task, &ids));
        assert_eq!(answer(Fault::UndocumentedStatus).0, 202);
        assert_eq!(answer(Fault::KnownTaskNotFound).0, 404);
        assert_eq!(
            answer(Fault::WrongContentType).1.as_deref(),
            Some("text/plain; charset=utf-8")
        );
        assert!(answer(Fault::ByteOrderMark)
            .2
            .starts_with(&[0xEF, 0xBB, 0xBF]));
        assert!(serde_json::from_slice::<Value>(&answer(Fault::InvalidJson).2).is_err());
        let (status, content_type, body) = read(FaultSet::default().task_answer(task, &ids));
        assert_eq!((status, content_type.as_deref()), (200, Some(JSON)));
        assert_eq!(&serde_json::from_slice::<Value>(&body).expect("JSON"), task);
    }

    #[test]
    fn unknown_id_faults_replace_the_404() {
        assert!(FaultSet::default().unknown_id_answer().is_none());
        let answer = |fault| {
            read(
                FaultSet::new(&[fault])
                    .unknown_id_answer()
                    .expect("an answer"),
            )
        };
        assert_eq!(
            answer(Fault::UnknownId200Null),
            (200, Some(JSON.into()), b"null".to_vec())
        );
        assert_eq!(answer(Fault::UnknownId200Empty), (200, None, Vec::new()));
        assert_eq!(answer(Fault::UnknownId204).0, 204);
        assert_eq!(answer(Fault::UnknownId400).0, 400);
        assert_eq!(answer(Fault::UnknownId500).0, 500);
    }

    #[test]
    fn credential_faults_waive_only_their_case() {
        let headers = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(
                    AUTHORIZATION,
                    HeaderValue::from_str(value).expect("a value"),
                );
            }
            headers
        };
        let none = FaultSet::new(&[Fault::NoCredentialAccepted]);
        assert!(none.waives_credential(&headers(&[])));
        assert!(!none.waives_credential(&headers(&["Bearer wrong"])));
        let any = FaultSet::new(&[Fault::AnyKeyAccepted]);
        assert!(any.waives_credential(&headers(&["Bearer wrong"])));
        assert!(!any.waives_credential(&headers(&[])));
        assert!(!any.waives_credential(&headers(&["Bearer "])));
        let empty = FaultSet::new(&[Fault::EmptyBearerAccepted]);
        assert!(empty.waives_credential(&headers(&["Bearer "])));
        assert!(empty.waives_credential(&headers(&["bearer"])));
        assert!(!empty.waives_credential(&headers(&[])));
        assert!(!empty.waives_credential(&headers(&["Bearer wrong"])));
        assert!(!FaultSet::default().waives_credential(&headers(&[])));
    }

    #[test]
    fn only_odd_ids_crash() {
        let faults = FaultSet::new(&[Fault::OddId500]);
        assert!(!faults.crashes_on("1747132423020537"));
        assert!(!faults.crashes_on("abc-DEF_9"));
        for odd in ["a b", "a/b", "..", "%FF", "🦊", "a'b"] {
            assert!(faults.crashes_on(odd), "{odd}");
        }
        assert!(!FaultSet::default().crashes_on("a b"));
    }

    #[test]
    fn the_catalogue_cases_are_the_seeded_tasks() {
        let seeded: Vec<String> = seeded_tasks(NOW_MS)
            .iter()
            .map(|task| format!("task_{}", task["id"].as_str().unwrap_or_default()))
            .collect();
        assert_eq!(seeded, cases::ALL_TASKS);
        assert_eq!(
            cases::ADVANCING,
            format!("task_{}", super::super::ADVANCING_TASK_ID)
        );
        let status_of = |case: &str| {
            seeded_tasks(NOW_MS)
                .into_iter()
                .find(|task| format!("task_{}", task["id"].as_str().unwrap_or_default()) == case)
                .map(|task| task["status"].as_str().unwrap_or_default().to_owned())
        };
        for case in cases::SUCCEEDED {
            assert_eq!(status_of(case).as_deref(), Some("SUCCESS"), "{case}");
        }
        for case in cases::RUNNING {
            assert_eq!(status_of(case).as_deref(), Some("IN_PROGRESS"), "{case}");
        }
    }

    #[test]
    fn identity_faults_bend_the_way_they_say() {
        let clean = seeded_tasks(NOW_MS);
        assert!(bent(Fault::EmptyObject)
            .iter()
            .all(|task| task == &json!({})));
        for (bent, clean) in bent(Fault::EnvelopeBody).iter().zip(&clean) {
            assert_eq!(bent["code"], 1);
            assert_eq!(&bent["result"], clean);
        }
        assert!(bent(Fault::BlankId).iter().all(|task| task["id"] == ""));
        assert!(bent(Fault::TaskWithoutId)
            .iter()
            .all(|task| task.get("id").is_none()));
        assert!(bent(Fault::TaskWithoutStatus)
            .iter()
            .all(|task| task.get("status").is_none()));
        let refusal = FaultSet::new(&[Fault::TaskBehindRefusal])
            .refusal_answer(StatusCode::UNAUTHORIZED, Some(&clean[0]))
            .expect("a refusal with the task");
        let (status, _, body) = read(refusal);
        assert_eq!(status, 401);
        assert_eq!(
            serde_json::from_slice::<Value>(&body).expect("JSON"),
            clean[0]
        );
        assert!(FaultSet::default()
            .refusal_answer(StatusCode::UNAUTHORIZED, Some(&clean[0]))
            .is_none());
    }

    #[test]
    fn status_faults_change_only_their_status() {
        let clean = seeded_tasks(NOW_MS);
        let changed = |fault| -> Vec<String> {
            bent(fault)
                .iter()
                .zip(&clean)
                .filter(|(bent, clean)| bent != clean)
                .map(|(_, clean)| clean["status"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        assert_eq!(changed(Fault::NotStartedWithFinishTime), ["NOT_START"]);
        assert_eq!(changed(Fault::NotStartedWithImage), ["NOT_START"]);
        assert_eq!(changed(Fault::RunningAt100), ["IN_PROGRESS", "IN_PROGRESS"]);
        assert_eq!(
            changed(Fault::RunningWithFinishTime),
            ["IN_PROGRESS", "IN_PROGRESS", "SUBMITTED"]
        );
    }
}
