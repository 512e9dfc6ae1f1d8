//! Synchronization primitives (placeholder).
