//! Stack switching (placeholder).
