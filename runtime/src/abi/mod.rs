//! The C ABI: the only place that exports `weft_rt_*` symbols (placeholder).
