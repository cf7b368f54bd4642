//! Shared test scaffolding (to be written)
