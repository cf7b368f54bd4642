//! Publishing: a consistent copy of the working file replaces the analysts' file atomically
//! (copy to a temporary name beside it, fsync, rename). Readers that hold the old file open
//! keep reading it; every new open sees a whole sync. The working file is detached while it
//! is copied, so the copy is a closed, checkpointed DuckDB file.

use std::fs::File;

use super::{DB, Warehouse, WarehouseError};

impl Warehouse {
    /// Publishes the working file's current state at `database`.
    pub fn publish(&self) -> Result<(), WarehouseError> {
        let started = std::time::Instant::now();
        self.conn()
            .execute_batch(&format!("CHECKPOINT {DB}; USE memory; DETACH {DB};"))
            .map_err(self.err("checkpointing before publishing"))?;
        let result = self.copy_out();
        // Re-attach whatever happened to the copy: the sync goes on with its working file.
        self.attach()?;
        result?;
        tracing::info!(
            path = %self.database.display(),
            millis = started.elapsed().as_millis() as u64,
            "published the warehouse for analysts"
        );
        Ok(())
    }

    fn copy_out(&self) -> Result<(), WarehouseError> {
        let io = |context: &str| {
            let path = self.database.clone();
            let context = context.to_string();
            move |source| WarehouseError::Io {
                path,
                context,
                source,
            }
        };
        let mut tmp = self.database.as_os_str().to_owned();
        tmp.push(format!(".publishing-{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp);
        std::fs::copy(&self.work, &tmp).map_err(io("copying the working file"))?;
        File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io("syncing the copy"))?;
        std::fs::rename(&tmp, &self.database).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io("replacing the published file")(e)
        })?;
        if let Some(dir) = self.database.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}
