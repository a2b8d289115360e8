//! The advancing task: one IMAGINE that really goes through its life, NOT_START, SUBMITTED,
//! IN_PROGRESS at rising percentages, SUCCESS, so the lifecycle check has something that moves
//! to watch, and client developers something to poll.
//!
//! Its life starts at its first fetch, so a watcher sees every stage however late it starts.
//! It then advances by time, each stage lasting at least one step, but by at most one stage
//! per fetch, so a watcher that polls slower than the steps still sees every stage, in order,
//! rather than a jump that depends on timing. Its id is fixed; it is kept out of the seeded
//! ids, because checks and snapshots of a moving task would not repeat.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::faults::{Fault, FaultSet};
use super::tasks::{grid_buttons, image_url, CHANNEL};

/// The advancing task's id: stable across runs, shaped like the seeded ones.
pub const ADVANCING_TASK_ID: &str = "1747133330250817";

/// The id `watched-task-swapped` answers with once the task runs: a seeded running task's.
const SWAPPED_ID: &str = "1747133263912377";

/// One stage of the task's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stage {
    status: &'static str,
    /// The percentage shown, if any.
    progress: Option<u32>,
}

const fn stage(status: &'static str, progress: u32) -> Stage {
    Stage {
        status,
        progress: Some(progress),
    }
}

/// The reference life.
const LIFE: &[Stage] = &[
    stage("NOT_START", 0),
    stage("SUBMITTED", 0),
    stage("IN_PROGRESS", 10),
    stage("IN_PROGRESS", 30),
    stage("IN_PROGRESS", 55),
    stage("IN_PROGRESS", 80),
    stage("SUCCESS", 100),
];

/// `progress-backwards`: 55% is followed by 30%.
const LIFE_PROGRESS_BACKWARDS: &[Stage] = &[
    stage("NOT_START", 0),
    stage("SUBMITTED", 0),
    stage("IN_PROGRESS", 10),
    stage("IN_PROGRESS", 55),
    stage("IN_PROGRESS", 30),
    stage("IN_PROGRESS", 80),
    stage("SUCCESS", 100),
];

/// `back-to-queue`: a running task is put back in the queue. Its progress is left out there,
/// so the status is the only deviation.
const LIFE_BACK_TO_QUEUE: &[Stage] = &[
    stage("NOT_START", 0),
    stage("SUBMITTED", 0),
    stage("IN_PROGRESS", 10),
    stage("IN_PROGRESS", 30),
    Stage {
        status: "SUBMITTED",
        progress: None,
    },
    stage("IN_PROGRESS", 80),
    stage("SUCCESS", 100),
];

/// `never-finishes`: stuck at 85%, the way users report real tasks stuck.
const LIFE_NEVER_FINISHES: &[Stage] = &[
    stage("NOT_START", 0),
    stage("SUBMITTED", 0),
    stage("IN_PROGRESS", 10),
    stage("IN_PROGRESS", 55),
    stage("IN_PROGRESS", 85),
];

/// Where the task is in its life.
#[derive(Debug, Clone)]
struct Life {
    stage: usize,
    entered: Instant,
    submit_ms: i64,
    start_ms: Option<i64>,
    finish_ms: Option<i64>,
    success_served: bool,
}

/// The advancing task of one provider.
pub struct AdvancingTask {
    step: Duration,
    /// The provider's clock when the task was created, and the instant it was read.
    base_ms: i64,
    created: Instant,
    stages: &'static [Stage],
    leaves_success: bool,
    restamps_start: bool,
    swaps_id: bool,
    life: Mutex<Option<Life>>,
}

impl fmt::Debug for AdvancingTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdvancingTask")
            .field("step", &self.step)
            .field("stages", &self.stages.len())
            .finish_non_exhaustive()
    }
}

impl AdvancingTask {
    /// A task not yet started, on a clock reading `now_ms` now, bent by the lifecycle faults
    /// in `faults` (and by no other: see [`super::faults`]).
    pub fn new(step: Duration, now_ms: i64, faults: &FaultSet) -> Self {
        let stages = if faults.has(Fault::ProgressBackwards) {
            LIFE_PROGRESS_BACKWARDS
        } else if faults.has(Fault::BackToQueue) {
            LIFE_BACK_TO_QUEUE
        } else if faults.has(Fault::NeverFinishes) {
            LIFE_NEVER_FINISHES
        } else {
            LIFE
        };
        AdvancingTask {
            step,
            base_ms: now_ms,
            created: Instant::now(),
            stages,
            leaves_success: faults.has(Fault::LeavesSuccess),
            restamps_start: faults.has(Fault::StartTimeChanges),
            swaps_id: faults.has(Fault::WatchedTaskSwapped),
            life: Mutex::new(None),
        }
    }

    /// The body for a fetch now, advancing the task first if its stage has lasted a step.
    pub fn fetch(&self) -> Value {
        self.fetch_at(Instant::now())
    }

    fn fetch_at(&self, now: Instant) -> Value {
        let clock_ms = self.clock_ms(now);
        // A poisoned lock only means another fetch panicked mid-update; the life it left is
        // still a valid stage, so serving it beats failing every later fetch.
        let mut guard = self
            .life
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let life = guard.get_or_insert_with(|| Life {
            stage: 0,
            entered: now,
            submit_ms: clock_ms,
            start_ms: None,
            finish_ms: None,
            success_served: false,
        });
        if self.leaves_success && life.success_served {
            // Progress left out, so the status is the only deviation (not also a drop from 100%).
            let stage = Stage {
                status: "IN_PROGRESS",
                progress: None,
            };
            return self.body(life, stage);
        }
        let lasted = now.saturating_duration_since(life.entered) >= self.step;
        if lasted && life.stage + 1 < self.stages.len() {
            life.stage += 1;
            life.entered = now;
            let entered = self.stages[life.stage];
            if entered.status == "IN_PROGRESS" && (life.start_ms.is_none() || self.restamps_start) {
                life.start_ms = Some(clock_ms);
            }
            if entered.status == "SUCCESS" {
                life.finish_ms = Some(clock_ms);
            }
        }
        let stage = self.stages[life.stage];
        if stage.status == "SUCCESS" {
            life.success_served = true;
        }
        self.body(life, stage)
    }

    /// Epoch milliseconds at `now`, on the provider's clock.
    fn clock_ms(&self, now: Instant) -> i64 {
        let elapsed = now.saturating_duration_since(self.created).as_millis();
        self.base_ms
            .saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX))
    }

    fn body(&self, life: &Life, stage: Stage) -> Value {
        let prompt =
            "a paper boat on a rain puddle, macro photo, shallow depth of field --ar 3:2 --v 6.1";
        let hash = "7c1e94b2-5a3f-4d60-9e8b-2f6a1c3d5e74";
        let mut task = Map::new();
        let mut put = |name: &str, value: Value| {
            task.insert(name.to_owned(), value);
        };
        let id = if self.swaps_id && stage.status == "IN_PROGRESS" {
            SWAPPED_ID
        } else {
            ADVANCING_TASK_ID
        };
        put("id", json!(id));
        put("action", json!("IMAGINE"));
        put("status", json!(stage.status));
        if let Some(progress) = stage.progress {
            put("progress", json!(format!("{progress}%")));
        }
        put("prompt", json!(prompt));
        put("promptEn", json!(prompt));
        put("description", json!(format!("/imagine {prompt}")));
        put("submitTime", json!(life.submit_ms));
        if let Some(start) = life.start_ms {
            put("startTime", json!(start));
        }
        if let Some(finish) = life.finish_ms {
            put("finishTime", json!(finish));
        }
        if stage.status == "SUCCESS" {
            put(
                "imageUrl",
                json!(image_url("a_paper_boat_on_a_rain_puddle", hash)),
            );
        }
        put(
            "properties",
            json!({ "finalPrompt": prompt, "nonce": ADVANCING_TASK_ID, "discordInstanceId": CHANNEL }),
        );
        if stage.status == "SUCCESS" {
            put("buttons", json!(grid_buttons(hash, None, None)));
        }
        Value::Object(task)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Check, Probe, Verdict};
    use crate::contract::spec::Contract;
    use crate::http::exchange::fixtures::answer;

    const NOW_MS: i64 = 1_747_133_323_000;
    const STEP: Duration = Duration::from_millis(100);

    fn task(faults: &[Fault]) -> AdvancingTask {
        AdvancingTask::new(STEP, NOW_MS, &FaultSet::new(faults))
    }

    /// The (status, progress) of each fetch at the given offsets from the first one.
    fn polls(task: &AdvancingTask, offsets_ms: &[u64]) -> Vec<(String, String)> {
        let start = Instant::now();
        offsets_ms
            .iter()
            .map(|offset| {
                let body = task.fetch_at(start + Duration::from_millis(*offset));
                (
                    body["status"].as_str().unwrap_or_default().to_owned(),
                    body["progress"].as_str().unwrap_or("-").to_owned(),
                )
            })
            .collect()
    }

    fn statuses(polls: &[(String, String)]) -> Vec<&str> {
        polls.iter().map(|(status, _)| status.as_str()).collect()
    }

    #[test]
    fn it_stays_put_until_a_step_has_passed() {
        let task = task(&[]);
        let seen = polls(&task, &[0, 10, 50, 99]);
        assert!(
            seen.iter().all(|(status, _)| status == "NOT_START"),
            "{seen:?}"
        );
    }

    #[test]
    fn each_fetch_moves_at_most_one_stage_so_slow_watchers_see_every_stage() {
        let task = task(&[]);
        let seen = polls(
            &task,
            &[0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000],
        );
        let progress: Vec<&str> = seen.iter().map(|(_, progress)| progress.as_str()).collect();
        assert_eq!(
            statuses(&seen),
            [
                "NOT_START",
                "SUBMITTED",
                "IN_PROGRESS",
                "IN_PROGRESS",
                "IN_PROGRESS",
                "IN_PROGRESS",
                "SUCCESS",
                "SUCCESS"
            ]
        );
        assert_eq!(
            progress,
            ["0%", "0%", "10%", "30%", "55%", "80%", "100%", "100%"]
        );
    }

    #[test]
    fn times_are_set_once_and_ordered() {
        let task = task(&[]);
        let start = Instant::now();
        let bodies: Vec<Value> = (0..8).map(|n| task.fetch_at(start + STEP * n)).collect();
        let submit = bodies[0]["submitTime"].as_i64().expect("a submit time");
        assert!(bodies[0].get("startTime").is_none() && bodies[1].get("startTime").is_none());
        let started = bodies[2]["startTime"].as_i64().expect("a start time");
        let finished = bodies[6]["finishTime"].as_i64().expect("a finish time");
        assert!(
            submit <= started && started <= finished,
            "{submit} {started} {finished}"
        );
        for body in &bodies[2..] {
            assert_eq!(body["submitTime"].as_i64(), Some(submit));
            assert_eq!(body["startTime"].as_i64(), Some(started));
        }
        assert!(bodies[6]["imageUrl"].is_string() && bodies[6]["buttons"].is_array());
        assert!(bodies[5].get("finishTime").is_none() && bodies[5].get("imageUrl").is_none());
    }

    #[test]
    fn lifecycle_faults_bend_the_life() {
        let offsets: Vec<u64> = (0..9).map(|n| n * 1_000).collect();
        let backwards = polls(&task(&[Fault::ProgressBackwards]), &offsets);
        assert_eq!(backwards[3].1, "55%");
        assert_eq!(backwards[4].1, "30%");
        let queue = polls(&task(&[Fault::BackToQueue]), &offsets);
        assert_eq!(statuses(&queue)[3..5], ["IN_PROGRESS", "SUBMITTED"]);
        let stuck = polls(&task(&[Fault::NeverFinishes]), &offsets);
        assert_eq!(
            stuck.last(),
            Some(&("IN_PROGRESS".to_owned(), "85%".to_owned()))
        );
        let leaves = polls(&task(&[Fault::LeavesSuccess]), &offsets);
        assert_eq!(
            statuses(&leaves)[6..],
            ["SUCCESS", "IN_PROGRESS", "IN_PROGRESS"]
        );
        let restamped = task(&[Fault::StartTimeChanges]);
        let start = Instant::now();
        let times: Vec<Option<i64>> = (0..5)
            .map(|n| restamped.fetch_at(start + STEP * n)["startTime"].as_i64())
            .collect();
        assert!(
            times[2].is_some() && times[3].is_some() && times[2] != times[3],
            "{times:?}"
        );
    }

    /// The reference life keeps the contract at every stage: schema and semantics alike.
    #[test]
    fn every_stage_passes_every_check() {
        let contract = Contract::embedded();
        let task = task(&[]);
        let start = Instant::now();
        for n in 0..8 {
            let body = task.fetch_at(start + STEP * n);
            let mut exchange = answer(200, Some("application/json"), &body.to_string());
            exchange.request.raw_path = format!("/mj/task/{ADVANCING_TASK_ID}/fetch");
            for check in Check::ALL {
                if check.applies_to(&Probe::KnownTask) {
                    let verdict = check.run(&contract.fetch, &Probe::KnownTask, &exchange);
                    assert_eq!(verdict, Verdict::Pass, "{check} at stage {n}: {body}");
                }
            }
        }
    }

    #[test]
    fn faults_of_other_kinds_leave_it_alone() {
        let offsets: Vec<u64> = (0..8).map(|n| n * 1_000).collect();
        let clean = polls(&task(&[]), &offsets);
        let other = polls(
            &task(&[Fault::TimeInSeconds, Fault::WrongId, Fault::InvalidJson]),
            &offsets,
        );
        assert_eq!(clean, other);
    }
}
