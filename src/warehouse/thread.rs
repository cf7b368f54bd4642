//! The warehouse on its own thread: a DuckDB connection may move between threads but not be
//! shared, and its calls block. Async code sends closures and awaits their results; the
//! order of calls is the order of effects.

use std::path::Path;

use tokio::sync::{mpsc, oneshot};

use super::{Warehouse, WarehouseError};

type Job = Box<dyn FnOnce(&mut Warehouse) + Send>;

/// A cheap handle to a [`Warehouse`] running on a dedicated thread. The thread ends when the
/// last handle is dropped, closing the file.
#[derive(Clone)]
pub struct WarehouseHandle {
    tx: mpsc::UnboundedSender<Job>,
}

impl WarehouseHandle {
    /// Opens the warehouse on a new thread.
    pub async fn open(database: &Path) -> Result<WarehouseHandle, WarehouseError> {
        let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
        let (ready_tx, ready_rx) = oneshot::channel();
        let database = database.to_path_buf();
        std::thread::Builder::new()
            .name("warehouse".into())
            .spawn(move || {
                let mut wh = match Warehouse::open(&database) {
                    Ok(wh) => {
                        let _ = ready_tx.send(Ok(()));
                        wh
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                while let Some(job) = rx.blocking_recv() {
                    job(&mut wh);
                }
            })
            .map_err(|source| WarehouseError::Io {
                path: Path::new("warehouse thread").to_path_buf(),
                context: "starting".into(),
                source,
            })?;
        ready_rx.await.map_err(|_| WarehouseError::Gone)??;
        Ok(WarehouseHandle { tx })
    }

    /// Runs `f` on the warehouse thread and returns its result.
    pub async fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Warehouse) -> Result<T, WarehouseError> + Send + 'static,
    ) -> Result<T, WarehouseError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Box::new(move |wh| {
                let _ = tx.send(f(wh));
            }))
            .map_err(|_| WarehouseError::Gone)?;
        rx.await.map_err(|_| WarehouseError::Gone)?
    }
}
