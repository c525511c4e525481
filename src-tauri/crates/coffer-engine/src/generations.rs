//! Shared reads of the generation counters.
//!
//! Every API request reads the identity and secrets generations once (to know whether its
//! cached key, caller and secret rows are still what the store holds). Under load, many
//! requests want them at once, and each read is a round trip to a connection's worker
//! thread. So concurrent requests share one read: a request waits for a read that *starts
//! after it arrived* — the one in flight may predate a change the request must see — and
//! takes that read's counters. Whoever finds no read in flight starts one; it runs in its
//! own task, so a request that goes away (its client hung up) strands nobody. That task
//! first yields to the tasks ready to run, so that the requests already under way can
//! join the read before its statement is sent (until then, joining it is still exact).

use std::sync::Mutex;

use coffer_store::Generations;
use tokio::sync::watch;

use crate::Engine;
use crate::error::{Error, ErrorCode, Result};

#[derive(Default)]
struct State {
    /// Reads started so far; the number of the latest.
    started: u64,
    /// True while read number `started` runs.
    running: bool,
    /// True once that read's statement has been sent: a request arriving later needs the
    /// next read.
    sent: bool,
    /// The latest finished read's result.
    last: Option<std::result::Result<Generations, (ErrorCode, String)>>,
}

/// The shared generation reads of one engine.
pub(crate) struct GenerationReads {
    state: Mutex<State>,
    /// The number of the latest finished read.
    finished: watch::Sender<u64>,
}

impl Default for GenerationReads {
    fn default() -> Self {
        GenerationReads {
            state: Mutex::default(),
            finished: watch::channel(0).0,
        }
    }
}

impl std::fmt::Debug for GenerationReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerationReads").finish_non_exhaustive()
    }
}

impl Engine {
    /// The generation counters as read by one statement that started after this call
    /// began: what a request arriving now must see.
    pub(crate) async fn current_generations(&self) -> Result<Generations> {
        let reads = &self.inner.generations;
        let mut finished = reads.finished.subscribe();
        let need = {
            let mut s = reads.state.lock().unwrap_or_else(|p| p.into_inner());
            if s.running {
                s.started + u64::from(s.sent)
            } else {
                self.start_generation_read(&mut s)
            }
        };
        loop {
            if *finished.borrow_and_update() >= need {
                let s = reads.state.lock().unwrap_or_else(|p| p.into_inner());
                return match &s.last {
                    Some(Ok(g)) => Ok(*g),
                    Some(Err((code, message))) => Err(Error::new(*code, message.clone())),
                    None => Err(Error::internal(std::io::Error::other("no generation read"))),
                };
            }
            {
                // The read we wait for starts when the one in flight ends: start it if
                // nobody has yet.
                let mut s = reads.state.lock().unwrap_or_else(|p| p.into_inner());
                if !s.running && s.started < need {
                    self.start_generation_read(&mut s);
                }
            }
            if finished.changed().await.is_err() {
                return Err(Error::internal(std::io::Error::other(
                    "generation reads closed",
                )));
            }
        }
    }

    /// Starts read number `started + 1` in its own task; returns its number.
    fn start_generation_read(&self, s: &mut State) -> u64 {
        s.started += 1;
        s.running = true;
        s.sent = false;
        let number = s.started;
        let engine = self.clone();
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            let reads = &engine.inner.generations;
            reads.state.lock().unwrap_or_else(|p| p.into_inner()).sent = true;
            let result = engine.read_generations().await;
            let mut s = reads.state.lock().unwrap_or_else(|p| p.into_inner());
            s.last = Some(result.map_err(|e| (e.code(), e.message().to_owned())));
            s.running = false;
            // Published under the lock: a later read cannot start and finish before this
            // one's number is out, so `finished` never goes back (a waiter would hang).
            reads.finished.send_replace(number);
        });
        number
    }

    async fn read_generations(&self) -> Result<Generations> {
        Ok(self.inner.store.generations().await?)
    }
}
