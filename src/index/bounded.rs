//! Two small single-threaded tools of the index client: a limit on the requests in flight ([`Limiter`]) and a table
//! of the lookups in flight, so that a second asker waits for the first one's answer instead of asking again
//! ([`InFlight`]). Both stay correct when a waiting or leading future is dropped (an audit that is cancelled).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};

use futures::channel::oneshot;

/// At most `n` holders of a [`Permit`] at once; the others wait in line.
pub(crate) struct Limiter {
    free: Cell<usize>,
    line: RefCell<VecDeque<oneshot::Sender<()>>>,
}

/// Leave to go on; handed to the next in line when dropped.
pub(crate) struct Permit<'a>(&'a Limiter);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// A place in line; a place that was handed a permit it never took hands it on.
struct Waiting<'a> {
    limiter: &'a Limiter,
    receiver: oneshot::Receiver<()>,
    taken: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.receiver.close();
        if !self.taken && matches!(self.receiver.try_recv(), Ok(Some(()))) {
            self.limiter.release();
        }
    }
}

impl Limiter {
    pub(crate) fn new(permits: usize) -> Self {
        Self { free: Cell::new(permits.max(1)), line: RefCell::default() }
    }

    pub(crate) async fn acquire(&self) -> Permit<'_> {
        if self.free.get() > 0 {
            self.free.set(self.free.get() - 1);
            return Permit(self);
        }
        let (sender, receiver) = oneshot::channel();
        self.line.borrow_mut().push_back(sender);
        let mut waiting = Waiting { limiter: self, receiver, taken: false };
        // Only `release` sends, and it sends only to a place still in line: an answer is always a permit.
        let _ = (&mut waiting.receiver).await;
        waiting.taken = true;
        Permit(self)
    }

    fn release(&self) {
        loop {
            let next = self.line.borrow_mut().pop_front();
            match next {
                Some(sender) => {
                    if sender.send(()).is_ok() {
                        return;
                    }
                }
                None => {
                    self.free.set(self.free.get() + 1);
                    return;
                }
            }
        }
    }
}

/// Lookups in flight, by key; each follower gets the leader's answer.
pub(crate) struct InFlight<V> {
    waiting: RefCell<HashMap<String, Vec<oneshot::Sender<V>>>>,
}

impl<V> Default for InFlight<V> {
    fn default() -> Self {
        Self { waiting: RefCell::default() }
    }
}

/// The leader's duty to answer; if it is dropped unanswered, the followers are let go and one of them leads.
struct Lead<'a, V> {
    table: &'a InFlight<V>,
    key: &'a str,
}

impl<V> Drop for Lead<'_, V> {
    fn drop(&mut self) {
        self.table.waiting.borrow_mut().remove(self.key);
    }
}

impl<V: Clone> InFlight<V> {
    /// The answer for `key`: `lookup`'s, run here when no lookup of `key` is in flight, or the one in flight's.
    pub(crate) async fn once<F: std::future::Future<Output = V>>(&self, key: &str, lookup: impl Fn() -> F) -> V {
        loop {
            let follow = {
                let mut waiting = self.waiting.borrow_mut();
                match waiting.get_mut(key) {
                    Some(followers) => {
                        let (sender, receiver) = oneshot::channel();
                        followers.push(sender);
                        Some(receiver)
                    }
                    None => {
                        waiting.insert(key.to_string(), Vec::new());
                        None
                    }
                }
            };
            match follow {
                Some(receiver) => {
                    if let Ok(answer) = receiver.await {
                        return answer;
                    }
                    // The leader was dropped: try again, perhaps as the leader.
                }
                None => {
                    let lead = Lead { table: self, key };
                    let answer = lookup().await;
                    let followers = self.waiting.borrow_mut().remove(key).unwrap_or_default();
                    std::mem::forget(lead);
                    for follower in followers {
                        let _ = follower.send(answer.clone());
                    }
                    return answer;
                }
            }
        }
    }

    /// How many keys are in flight.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.waiting.borrow().len()
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll};

    use futures::task::noop_waker;

    use super::*;

    /// Pending until `open` is set.
    async fn gate(open: &Cell<bool>) {
        futures::future::poll_fn(|context| {
            if open.get() {
                Poll::Ready(())
            } else {
                context.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await;
    }

    fn poll<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        let waker = noop_waker();
        future.poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn the_limiter_lets_n_through_and_hands_on_permits_given_up_in_line() {
        let limiter = Limiter::new(1);
        let first = limiter.acquire();
        let mut first = pin!(first);
        let Poll::Ready(permit) = poll(first.as_mut()) else { panic!("the first is let through") };
        let mut second = Box::pin(limiter.acquire());
        assert!(poll(second.as_mut()).is_pending());
        let mut third = Box::pin(limiter.acquire());
        assert!(poll(third.as_mut()).is_pending());
        // The permit goes to the second, which gives up before taking it: it goes on to the third.
        drop(permit);
        drop(second);
        let Poll::Ready(permit) = poll(third.as_mut()) else { panic!("the third gets the permit") };
        drop(permit);
        assert_eq!(limiter.free.get(), 1, "no permit is lost");
    }

    #[test]
    fn followers_get_the_leaders_answer_and_lead_when_it_is_dropped() {
        let table: InFlight<u32> = InFlight::default();
        let open = Cell::new(false);
        let calls = Cell::new(0);
        let lookup = || async {
            calls.set(calls.get() + 1);
            gate(&open).await;
            7
        };
        let mut leader = Box::pin(table.once("a", lookup));
        let mut follower = Box::pin(table.once("a", lookup));
        assert!(poll(leader.as_mut()).is_pending() && poll(follower.as_mut()).is_pending());
        assert_eq!(calls.get(), 1, "one lookup for both");
        drop(leader);
        assert!(poll(follower.as_mut()).is_pending(), "the follower now leads");
        assert_eq!(calls.get(), 2);
        let mut late = Box::pin(table.once("a", lookup));
        assert!(poll(late.as_mut()).is_pending());
        open.set(true);
        assert_eq!(poll(follower.as_mut()), Poll::Ready(7));
        assert_eq!(poll(late.as_mut()), Poll::Ready(7));
        assert_eq!((calls.get(), table.len()), (2, 0));
    }
}
