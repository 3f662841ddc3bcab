//! The lineage root of one model (METHODS.md §5), for single lookups such as `hubcensus who`.
//!
//! Analytics computes roots for whole snapshots; this is the small, obviously correct version:
//! follow parents to models with none. A merge whose parents lead to different roots has no
//! single root ("mixed" for the lineage origin). A cycle is broken where it closes: the
//! ancestor that would be revisited is not followed again, and a path that only loops leads to
//! no root (a model whose every path loops is reported as its own root, with the cycle).

use std::collections::BTreeSet;

use hubcensus_model::LineageTable;

/// The root of one model's lineage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineageRoot {
    /// The model has no parents.
    Itself,
    /// The single root, by dense index.
    Model(u32),
    /// Parents lead to several roots.
    Mixed,
}

/// The root of dense index `model` in `table`, and whether a cycle was broken on the way.
#[must_use]
pub fn lineage_root(table: &LineageTable, model: u32) -> (LineageRoot, bool) {
    if table.parents_of(model as usize).is_empty() {
        return (LineageRoot::Itself, false);
    }
    let mut roots = BTreeSet::new();
    let mut walk = Walk {
        on_path: BTreeSet::new(),
        done: BTreeSet::new(),
        cycle: false,
    };
    collect_roots(table, model, &mut walk, &mut roots);
    let cycle = walk.cycle;
    let root = match roots.len() {
        1 => roots.first().map_or(LineageRoot::Itself, |&root| {
            if root == model {
                LineageRoot::Itself
            } else {
                LineageRoot::Model(root)
            }
        }),
        0 => LineageRoot::Itself,
        _ => LineageRoot::Mixed,
    };
    (root, cycle)
}

/// Depth-first walk state: the current path (for cycles) and the fully explored ancestors
/// (each is explored once, so diamonds do not multiply the work).
struct Walk {
    on_path: BTreeSet<u32>,
    done: BTreeSet<u32>,
    cycle: bool,
}

fn collect_roots(table: &LineageTable, model: u32, walk: &mut Walk, roots: &mut BTreeSet<u32>) {
    let parents = table.parents_of(model as usize);
    if parents.is_empty() {
        roots.insert(model);
        return;
    }
    walk.on_path.insert(model);
    for &parent in parents {
        if walk.on_path.contains(&parent) {
            walk.cycle = true;
        } else if !walk.done.contains(&parent) {
            collect_roots(table, parent, walk, roots);
        }
    }
    walk.on_path.remove(&model);
    walk.done.insert(model);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(parents: &[&[u32]]) -> LineageTable {
        LineageTable::from_rows(parents.iter().map(|list| (None, list.to_vec(), Vec::new())))
    }

    #[test]
    fn roots() {
        // 0 base; 1 finetune of 0; 2 quantized 1; 3 another base; 4 merge of 2 and 3;
        // 5 merge of 1 and 2 (same root); 6 <-> 7 a cycle under base 0.
        let lineage = table(&[&[], &[0], &[1], &[], &[2, 3], &[1, 2], &[0, 7], &[6]]);
        let cases = [
            (0, LineageRoot::Itself, false),
            (1, LineageRoot::Model(0), false),
            (2, LineageRoot::Model(0), false),
            (4, LineageRoot::Mixed, false),
            (5, LineageRoot::Model(0), false),
            (6, LineageRoot::Model(0), true),
            (7, LineageRoot::Model(0), true),
            // Past the table's end: no parents known.
            (99, LineageRoot::Itself, false),
        ];
        for (model, root, cycle) in cases {
            assert_eq!(
                lineage_root(&lineage, model),
                (root, cycle),
                "model {model}"
            );
        }
    }

    #[test]
    fn a_pure_cycle_is_its_own_root() {
        let lineage = table(&[&[1], &[0]]);
        assert_eq!(lineage_root(&lineage, 0), (LineageRoot::Itself, true));
    }
}
