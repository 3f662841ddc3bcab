//! A bounded in-memory memo: each key computed once (concurrent requests for a key being
//! computed wait for that computation rather than starting their own), the oldest keys
//! forgotten past `capacity`. Failures are not kept: the next request tries again.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

pub struct Memo<K, V> {
    capacity: usize,
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    cells: HashMap<K, Arc<OnceCell<Arc<V>>>>,
    order: VecDeque<K>,
}

impl<K: Clone + Eq + Hash, V> Memo<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner {
                cells: HashMap::new(),
                order: VecDeque::new(),
            }),
        }
    }

    /// The value of `key`, computing it with `compute` when no request has yet.
    pub async fn get_or_try<E, F, Fut>(&self, key: K, compute: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let cell = {
            let mut inner = self
                .inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(cell) = inner.cells.get(&key) {
                Arc::clone(cell)
            } else {
                while inner.order.len() >= self.capacity {
                    if let Some(oldest) = inner.order.pop_front() {
                        inner.cells.remove(&oldest);
                    }
                }
                let cell = Arc::new(OnceCell::new());
                inner.cells.insert(key.clone(), Arc::clone(&cell));
                inner.order.push_back(key);
                cell
            }
        };
        cell.get_or_try_init(|| async { compute().await.map(Arc::new) })
            .await
            .cloned()
    }

    /// The value of `key` when it has been computed.
    pub fn peek(&self, key: &K) -> Option<Arc<V>> {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        inner.cells.get(key).and_then(|cell| cell.get().cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[tokio::test]
    async fn computes_once_and_forgets_the_oldest() {
        let memo: Memo<u32, u32> = Memo::new(2);
        let mut calls = 0;
        for key in [1, 1, 2, 1, 3, 1] {
            let value = memo
                .get_or_try(key, || {
                    calls += 1;
                    async move { Ok::<_, ()>(key * 10) }
                })
                .await
                .unwrap();
            assert_eq!(*value, key * 10);
        }
        // 1, 2, then 3 evicts 1, which is computed again.
        assert_eq!(calls, 4);
        assert!(memo.peek(&2).is_none());
        assert_eq!(memo.peek(&1).as_deref(), Some(&10));
    }

    #[tokio::test]
    async fn failures_are_not_kept() {
        let memo: Memo<u32, u32> = Memo::new(4);
        let failed = memo.get_or_try(1, || async { Err::<u32, _>("no") }).await;
        assert!(failed.is_err());
        let value = memo.get_or_try(1, || async { Ok::<_, ()>(5) }).await;
        assert_eq!(*value.unwrap(), 5);
    }
}
