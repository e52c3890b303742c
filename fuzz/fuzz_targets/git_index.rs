//! The git index reader behind `guardrail diff --staged`: any bytes in `.git/index` (or in
//! the file `GIT_INDEX_FILE` names) give an index or a refusal, never a panic, and an index
//! it accepts is sorted, so the diff's binary searches find every entry.
#![no_main]

use guardrail::scope::git::index::{parse, CacheTree};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = parse(data) else {
        return;
    };
    let e = &file.entries;
    for i in 0..e.len() {
        let path = e.path(i);
        if i > 0 {
            assert!(e.path(i - 1) < path, "entries sorted and unique");
        }
        let found = e.find(path).expect("every entry is found by its path");
        assert_eq!(found.oid, e.entry(i).oid);
        assert_eq!(e.lower_bound(path), i);
        let _ = e.prefix_end(i, e.len(), path);
    }
    if let Some(tree) = &file.tree {
        // Walk the cache tree as the diff does, depth first from the root.
        let mut stack = vec![CacheTree::ROOT];
        let mut seen = 0usize;
        while let Some(node) = stack.pop() {
            seen += 1;
            assert!(seen <= data.len() + 1, "the cache tree walk ends");
            let _ = tree.valid_oid(node, e.len());
            if let Some(children) = tree.children(node) {
                stack.extend(children.into_iter().map(|(_, c)| c));
            }
        }
        let _ = tree.root_is_valid();
    }
});
