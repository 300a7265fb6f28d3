//! Faults a test can inject into the HTTP layer: error statuses, malformed JSON, delays,
//! dropped connections.

use std::collections::VecDeque;
use std::time::Duration;

/// A fault the simulator applies to the next requests (in the order injected).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpFault {
    /// The next `count` requests are answered with `status` and an ONTAP error body
    /// (code 65552 "Generic RPC failure" for 5xx), without touching the array.
    Status {
        /// HTTP status, e.g. 500 or 503.
        status: u16,
        /// How many requests.
        count: usize,
    },
    /// The next `count` requests are handled, but their JSON body is cut off half-way.
    MalformedJson {
        /// How many requests.
        count: usize,
    },
    /// The next `count` requests are handled after `delay` (tokio time).
    Delay {
        /// How long.
        delay: Duration,
        /// How many requests.
        count: usize,
    },
    /// The next `count` requests get no answer: the connection is closed.
    DropConnection {
        /// How many requests.
        count: usize,
    },
    /// Every request is delayed by this much until the faults are cleared.
    Latency(Duration),
}

/// What to do to one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub delay: Duration,
    pub status: Option<u16>,
    pub malformed: bool,
    pub drop: bool,
}

/// The pending faults.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    queue: VecDeque<HttpFault>,
    latency: Duration,
}

impl Faults {
    /// Adds a fault.
    pub fn push(&mut self, fault: HttpFault) {
        match fault {
            HttpFault::Latency(d) => self.latency = d,
            other => self.queue.push_back(other),
        }
    }

    /// Removes every fault.
    pub fn clear(&mut self) {
        self.queue.clear();
        self.latency = Duration::ZERO;
    }

    /// Takes what applies to the next request.
    pub fn next_plan(&mut self) -> Plan {
        let mut plan = Plan {
            delay: self.latency,
            ..Plan::default()
        };
        let Some(front) = self.queue.front_mut() else {
            return plan;
        };
        let remaining = match front {
            HttpFault::Status { status, count } => {
                plan.status = Some(*status);
                count
            }
            HttpFault::MalformedJson { count } => {
                plan.malformed = true;
                count
            }
            HttpFault::Delay { delay, count } => {
                plan.delay += *delay;
                count
            }
            HttpFault::DropConnection { count } => {
                plan.drop = true;
                count
            }
            HttpFault::Latency(_) => unreachable!("latency is never queued"),
        };
        *remaining = remaining.saturating_sub(1);
        if *remaining == 0 {
            self.queue.pop_front();
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_apply_in_order_and_run_out() {
        let mut f = Faults::default();
        f.push(HttpFault::Status {
            status: 503,
            count: 2,
        });
        f.push(HttpFault::DropConnection { count: 1 });
        f.push(HttpFault::Latency(Duration::from_millis(5)));
        assert_eq!(f.next_plan().status, Some(503));
        assert_eq!(f.next_plan().status, Some(503));
        let p = f.next_plan();
        assert!(p.drop && p.status.is_none());
        let p = f.next_plan();
        assert_eq!(
            p,
            Plan {
                delay: Duration::from_millis(5),
                ..Plan::default()
            }
        );
        f.clear();
        assert_eq!(f.next_plan(), Plan::default());
    }
}
