//! Params validation of every method never panics; accepted params always deserialize (checked by a
//! property test in the server crate; here the goal is crashes and hangs).
#![no_main]

use std::sync::LazyLock;

use accountd_server::validation::ParamsValidator;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

static VALIDATORS: LazyLock<Vec<ParamsValidator>> = LazyLock::new(|| {
    accountd_api::methods::all().iter().filter_map(|s| ParamsValidator::compile(s).ok()).collect()
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(Value::Array(params)) = serde_json::from_slice::<Value>(rest) else { return };
    let validators = &*VALIDATORS;
    if let Some(v) = validators.get(selector as usize % validators.len().max(1)) {
        let _ = v.validate(&params);
    }
});
