//! The lineage graph of one snapshot (METHODS.md §5): parents and children on the dense index,
//! cycles reported and broken, roots ("mixed" for merges of different roots), families (quantized
//! and adapter derivatives folded into their base), descendants, tag mentions, relation mix.

use hubcensus_model::{LineageTable, Relation};
use serde::Serialize;

/// The root of a model: the ancestor without parents, or none single for a merge of models with
/// different roots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Root {
    Model(u32),
    Mixed,
}

/// Index of a relation in [`Relation::ALL`].
#[must_use]
pub const fn relation_index(relation: Relation) -> usize {
    match relation {
        Relation::Finetune => 0,
        Relation::Adapter => 1,
        Relation::Quantized => 2,
        Relation::Merge => 3,
        Relation::Unknown => 4,
    }
}

/// Counts per relation, in the order of [`Relation::ALL`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ByRelation {
    pub finetune: u64,
    pub adapter: u64,
    pub quantized: u64,
    pub merge: u64,
    pub unknown: u64,
}

impl ByRelation {
    pub fn add(&mut self, relation: Relation, count: u64) {
        match relation {
            Relation::Finetune => self.finetune += count,
            Relation::Adapter => self.adapter += count,
            Relation::Quantized => self.quantized += count,
            Relation::Merge => self.merge += count,
            Relation::Unknown => self.unknown += count,
        }
    }

    #[must_use]
    pub fn get(&self, relation: Relation) -> u64 {
        match relation {
            Relation::Finetune => self.finetune,
            Relation::Adapter => self.adapter,
            Relation::Quantized => self.quantized,
            Relation::Merge => self.merge,
            Relation::Unknown => self.unknown,
        }
    }

    #[must_use]
    pub fn total(&self) -> u64 {
        self.finetune + self.adapter + self.quantized + self.merge + self.unknown
    }
}

/// The share of edges by relation (METHODS.md §5); shares are `None` with no edges.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RelationMix {
    pub edges: u64,
    pub counts: ByRelation,
    /// `(relation, share)` in the order of [`Relation::ALL`].
    pub shares: Vec<(Relation, Option<f64>)>,
}

/// The lineage graph of one snapshot, on the store's dense index.
#[derive(Clone, Debug)]
pub struct LineageGraph {
    relation: Vec<Option<Relation>>,
    /// Parents with cycle-closing edges removed.
    parent_offsets: Vec<u32>,
    parents: Vec<u32>,
    child_offsets: Vec<u32>,
    children: Vec<u32>,
    /// Each cycle found, as the dense indices along it (starting at the parent the closing edge
    /// pointed to); the edge from the last element to the first was dropped.
    cycles: Vec<Vec<u32>>,
    roots: Vec<Root>,
    families: Vec<u32>,
    mention_counts: Vec<u32>,
    mix: RelationMix,
}

impl LineageGraph {
    /// Builds the graph over `len` models (at least the table's length) from a lineage table.
    /// Self-parent edges and edges to indices outside `len` are dropped.
    #[must_use]
    pub fn new(table: &LineageTable, len: usize) -> Self {
        let len = len.max(table.len());
        let mut relation = table.relation.clone();
        relation.resize(len, None);

        // Relation mix over declared edges (every parent of every model), self-references and
        // parents outside the index excluded; edges that close a cycle still count (they
        // were declared; only walks drop them).
        let mut counts = ByRelation::default();
        for (model, relation) in relation.iter().enumerate() {
            let parents = table
                .parents_of(model)
                .iter()
                .filter(|&&parent| (parent as usize) < len && parent as usize != model)
                .count() as u64;
            if parents > 0 {
                counts.add(relation.unwrap_or(Relation::Unknown), parents);
            }
        }
        let edges = counts.total();
        let mix = RelationMix {
            edges,
            counts,
            shares: Relation::ALL
                .iter()
                .map(|&r| (r, (edges > 0).then(|| counts.get(r) as f64 / edges as f64)))
                .collect(),
        };

        // Depth-first search over parent edges in dense-index order; an edge to a model on the
        // stack closes a cycle: recorded and dropped. Post-order puts parents before children.
        let valid = |model: usize, parent: u32| (parent as usize) < len && parent as usize != model;
        let mut state = vec![0_u8; len]; // 0 unvisited, 1 on stack, 2 done
        let mut kept = vec![true; table.parents.len()];
        let mut order: Vec<u32> = Vec::with_capacity(len);
        let mut cycles = Vec::new();
        let mut stack: Vec<(u32, u32)> = Vec::new(); // (model, next parent position)
        for start in 0..len {
            if state[start] != 0 {
                continue;
            }
            state[start] = 1;
            stack.push((start as u32, 0));
            while let Some(&mut (model, ref mut position)) = stack.last_mut() {
                let model_usize = model as usize;
                let (low, high) = if model_usize + 1 < table.offsets.len() {
                    (
                        table.offsets[model_usize] as usize,
                        table.offsets[model_usize + 1] as usize,
                    )
                } else {
                    (0, 0)
                };
                let edge = low + *position as usize;
                if edge < high {
                    *position += 1;
                    let parent = table.parents[edge];
                    if !valid(model_usize, parent) {
                        kept[edge] = false;
                        continue;
                    }
                    match state[parent as usize] {
                        0 => {
                            state[parent as usize] = 1;
                            stack.push((parent, 0));
                        }
                        1 => {
                            kept[edge] = false;
                            let from = stack
                                .iter()
                                .position(|&(m, _)| m == parent)
                                .unwrap_or_default();
                            cycles.push(stack[from..].iter().map(|&(m, _)| m).collect());
                        }
                        _ => {}
                    }
                } else {
                    state[model_usize] = 2;
                    order.push(model);
                    stack.pop();
                }
            }
        }

        let mut parent_offsets = Vec::with_capacity(len + 1);
        let mut parents = Vec::with_capacity(table.parents.len());
        parent_offsets.push(0);
        for model in 0..len {
            if model + 1 < table.offsets.len() {
                let (low, high) = (
                    table.offsets[model] as usize,
                    table.offsets[model + 1] as usize,
                );
                parents.extend((low..high).filter(|&e| kept[e]).map(|e| table.parents[e]));
            }
            parent_offsets.push(parents.len() as u32);
        }

        // Children in CSR, each list ascending (counting sort over parents).
        let mut child_offsets = vec![0_u32; len + 1];
        for &parent in &parents {
            child_offsets[parent as usize + 1] += 1;
        }
        for i in 0..len {
            child_offsets[i + 1] += child_offsets[i];
        }
        let mut fill = child_offsets.clone();
        let mut children = vec![0_u32; parents.len()];
        for model in 0..len {
            for &parent in
                &parents[parent_offsets[model] as usize..parent_offsets[model + 1] as usize]
            {
                children[fill[parent as usize] as usize] = model as u32;
                fill[parent as usize] += 1;
            }
        }

        // Roots and families in topological order (parents first).
        let mut roots = vec![Root::Mixed; len];
        let mut families: Vec<u32> = (0..len as u32).collect();
        for &model in &order {
            let model = model as usize;
            let own = &parents[parent_offsets[model] as usize..parent_offsets[model + 1] as usize];
            roots[model] = match own {
                [] => Root::Model(model as u32),
                [first, rest @ ..] => {
                    let root = roots[*first as usize];
                    if rest.iter().all(|&p| roots[p as usize] == root) {
                        root
                    } else {
                        Root::Mixed
                    }
                }
            };
            if let ([parent], Some(relation)) = (own, relation[model])
                && relation.folds_into_base()
            {
                families[model] = families[*parent as usize];
            }
        }

        let mut mention_counts = vec![0_u32; len];
        for &mentioned in &table.mentions {
            if let Some(count) = mention_counts.get_mut(mentioned as usize) {
                *count += 1;
            }
        }

        Self {
            relation,
            parent_offsets,
            parents,
            child_offsets,
            children,
            cycles,
            roots,
            families,
            mention_counts,
            mix,
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    #[must_use]
    pub fn relation(&self, model: usize) -> Option<Relation> {
        self.relation.get(model).copied().flatten()
    }

    /// Parents after cycle breaking, ascending.
    #[must_use]
    pub fn parents(&self, model: usize) -> &[u32] {
        if model >= self.len() {
            return &[];
        }
        &self.parents[self.parent_offsets[model] as usize..self.parent_offsets[model + 1] as usize]
    }

    /// Direct children, ascending.
    #[must_use]
    pub fn children(&self, model: usize) -> &[u32] {
        if model >= self.len() {
            return &[];
        }
        &self.children[self.child_offsets[model] as usize..self.child_offsets[model + 1] as usize]
    }

    /// Cycles found and broken, in discovery order.
    #[must_use]
    pub fn cycles(&self) -> &[Vec<u32>] {
        &self.cycles
    }

    #[must_use]
    pub fn root(&self, model: usize) -> Root {
        self.roots
            .get(model)
            .copied()
            .unwrap_or(Root::Model(model as u32))
    }

    /// The family (METHODS.md §4): the base a quantized or adapter derivative folds into,
    /// recursively; a model's own index otherwise.
    #[must_use]
    pub fn family(&self, model: usize) -> u32 {
        self.families.get(model).copied().unwrap_or(model as u32)
    }

    /// Families of all models (index = model).
    #[must_use]
    pub fn families(&self) -> &[u32] {
        &self.families
    }

    /// How many models' `base_model:` tags mention `model`.
    #[must_use]
    pub fn tag_mentions(&self, model: usize) -> u64 {
        self.mention_counts.get(model).map_or(0, |&c| u64::from(c))
    }

    #[must_use]
    pub fn relation_mix(&self) -> &RelationMix {
        &self.mix
    }

    /// Direct children of `model` by their relation.
    #[must_use]
    pub fn direct_by_relation(&self, model: usize) -> ByRelation {
        let mut counts = ByRelation::default();
        for &child in self.children(model) {
            counts.add(
                self.relation(child as usize).unwrap_or(Relation::Unknown),
                1,
            );
        }
        counts
    }

    /// All descendants of `model` (transitive, each once, the model itself excluded), ascending.
    #[must_use]
    pub fn descendants(&self, model: usize) -> Vec<u32> {
        let mut walker = DescendantWalker::new(self.len());
        let mut found = walker.walk(self, model).to_vec();
        found.sort_unstable();
        found
    }

    /// Descendant counts of many models, reusing one visited buffer.
    #[must_use]
    pub fn descendant_counts(&self, models: &[u32]) -> Vec<u64> {
        let mut walker = DescendantWalker::new(self.len());
        models
            .iter()
            .map(|&m| walker.walk(self, m as usize).len() as u64)
            .collect()
    }
}

/// Breadth-first descendant search with a generation-stamped visited array, so that walking
/// many bases costs no allocation per base.
struct DescendantWalker {
    stamp: Vec<u32>,
    generation: u32,
    found: Vec<u32>,
}

impl DescendantWalker {
    fn new(len: usize) -> Self {
        Self {
            stamp: vec![0; len],
            generation: 0,
            found: Vec::new(),
        }
    }

    fn walk(&mut self, graph: &LineageGraph, model: usize) -> &[u32] {
        self.generation += 1;
        self.found.clear();
        if model >= graph.len() {
            return &self.found;
        }
        self.stamp[model] = self.generation;
        let mut next = 0;
        let mut current = model;
        loop {
            for &child in graph.children(current) {
                if self.stamp[child as usize] != self.generation {
                    self.stamp[child as usize] = self.generation;
                    self.found.push(child);
                }
            }
            if next == self.found.len() {
                break;
            }
            current = self.found[next] as usize;
            next += 1;
        }
        &self.found
    }
}

/// One base model's derivative ecosystem.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaseEcosystem {
    pub model: u32,
    pub direct: ByRelation,
    pub descendants: u64,
    pub tag_mentions: u64,
}

/// The bases with the most descendants (ties: more direct children, then dense index order,
/// which the caller may re-sort by id). `None` for `top` means all bases with any child or
/// mention. `include(model)` restricts the bases considered (a population filter).
pub fn derivatives(
    graph: &LineageGraph,
    top: Option<usize>,
    mut include: impl FnMut(usize) -> bool,
) -> Vec<BaseEcosystem> {
    let mut walker = DescendantWalker::new(graph.len());
    let mut bases: Vec<BaseEcosystem> = (0..graph.len())
        .filter(|&m| (!graph.children(m).is_empty() || graph.tag_mentions(m) > 0) && include(m))
        .map(|m| BaseEcosystem {
            model: m as u32,
            direct: graph.direct_by_relation(m),
            descendants: walker.walk(graph, m).len() as u64,
            tag_mentions: graph.tag_mentions(m),
        })
        .collect();
    bases.sort_by(|a, b| {
        b.descendants
            .cmp(&a.descendants)
            .then(b.direct.total().cmp(&a.direct.total()))
            .then(b.tag_mentions.cmp(&a.tag_mentions))
            .then(a.model.cmp(&b.model))
    });
    if let Some(top) = top {
        bases.truncate(top);
    }
    bases
}

/// A base model's window downloads split between the base itself and its descendants (at any
/// depth, each counted once, by the descendant's own relation to its parents: a GGUF of a
/// fine-tune counts as quantized): docs/methodology.md, "Families and derivatives".
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct EcosystemDownloads {
    /// The base's own window downloads.
    pub base: u64,
    /// Its descendants' window downloads, by relation.
    pub derivatives: ByRelation,
    /// `base + derivatives.total()`.
    pub total: u64,
    /// `derivatives.total() / total`; `None` when `total` is 0.
    pub derivative_share: Option<f64>,
}

impl EcosystemDownloads {
    /// The split of `downloads` (window downloads on the dense index; a model past its end
    /// counts 0) between `base` and `descendants`.
    #[must_use]
    pub fn of(graph: &LineageGraph, base: usize, descendants: &[u32], downloads: &[u64]) -> Self {
        let of = |model: usize| downloads.get(model).copied().unwrap_or(0);
        let mut derivatives = ByRelation::default();
        for &model in descendants {
            let relation = graph.relation(model as usize).unwrap_or(Relation::Unknown);
            derivatives.add(relation, of(model as usize));
        }
        let base = of(base);
        let total = base + derivatives.total();
        Self {
            base,
            derivatives,
            total,
            derivative_share: (total > 0).then(|| derivatives.total() as f64 / total as f64),
        }
    }
}

/// [`EcosystemDownloads`] of each of `bases`, reusing one walk buffer.
#[must_use]
pub fn ecosystem_downloads(
    graph: &LineageGraph,
    bases: &[u32],
    downloads: &[u64],
) -> Vec<EcosystemDownloads> {
    let mut walker = DescendantWalker::new(graph.len());
    bases
        .iter()
        .map(|&base| {
            let found = walker.walk(graph, base as usize);
            EcosystemDownloads::of(graph, base as usize, found, downloads)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn table(rows: &[(Option<Relation>, &[u32], &[u32])]) -> LineageTable {
        LineageTable::from_rows(rows.iter().map(|(r, p, m)| (*r, p.to_vec(), m.to_vec())))
    }

    #[test]
    fn hand_built_world() {
        use Relation::*;
        // 0 base A; 1 base B; 2 finetune of 0; 3 quantized of 2; 4 adapter of 3;
        // 5 merge of 2 and 1 (different roots); 6 quantized of 5; 7 merge of 2 and 3 (same root).
        let graph = LineageGraph::new(
            &table(&[
                (None, &[], &[]),
                (None, &[], &[]),
                (Some(Finetune), &[0], &[0]),
                (Some(Quantized), &[2], &[2, 0]),
                (Some(Adapter), &[3], &[]),
                (Some(Merge), &[2, 1], &[1]),
                (Some(Quantized), &[5], &[]),
                (Some(Merge), &[2, 3], &[]),
            ]),
            8,
        );
        assert!(graph.cycles().is_empty());
        assert_eq!(graph.root(4), Root::Model(0));
        assert_eq!(graph.root(5), Root::Mixed);
        assert_eq!(graph.root(6), Root::Mixed);
        assert_eq!(graph.root(7), Root::Model(0));
        // Families: 3 and 4 fold into 2 (a finetune does not fold further); 6 into the merge 5.
        assert_eq!(graph.families(), &[0, 1, 2, 2, 2, 5, 5, 7]);
        assert_eq!(graph.children(2), &[3, 5, 7]);
        assert_eq!(graph.descendants(0), vec![2, 3, 4, 5, 6, 7]);
        assert_eq!(graph.descendants(1), vec![5, 6]);
        let direct = graph.direct_by_relation(2);
        assert_eq!((direct.quantized, direct.merge, direct.total()), (1, 2, 3));
        assert_eq!(graph.tag_mentions(0), 2);
        let mix = graph.relation_mix();
        assert_eq!(mix.edges, 8);
        assert_eq!(mix.counts.merge, 4);
        assert_eq!(mix.shares[3], (Merge, Some(0.5)));
        let ranked = derivatives(&graph, Some(2), |_| true);
        assert_eq!(
            ranked.iter().map(|b| b.model).collect::<Vec<_>>(),
            vec![0, 2]
        );
        // Downloads 10, 5, 20, 4, 1, 3, 2, 0 (model 7 past the slice's end counts 0): base 0
        // keeps 10 of 40; its descendants' 30 split by their own relation.
        let split = ecosystem_downloads(&graph, &[0, 1], &[10, 5, 20, 4, 1, 3, 2]);
        assert_eq!(split[0].base, 10);
        assert_eq!(
            split[0].derivatives,
            ByRelation {
                finetune: 20,
                adapter: 1,
                quantized: 6,
                merge: 3,
                unknown: 0
            }
        );
        assert_eq!(
            (split[0].total, split[0].derivative_share),
            (40, Some(0.75))
        );
        // Base 1: itself 5, the merge 5 (3) and its quantization 6 (2).
        assert_eq!((split[1].total, split[1].derivative_share), (10, Some(0.5)));
        // No downloads at all: no share, never 0 or NaN.
        let none = ecosystem_downloads(&graph, &[0], &[]);
        assert_eq!((none[0].total, none[0].derivative_share), (0, None));
    }

    #[test]
    fn a_cycle_is_reported_and_broken() {
        use Relation::*;
        // 0 -> 1 -> 2 -> 0 (each the child of the next), 3 a finetune of 2, 4 its own parent.
        let graph = LineageGraph::new(
            &table(&[
                (Some(Finetune), &[1], &[]),
                (Some(Finetune), &[2], &[]),
                (Some(Finetune), &[0], &[]),
                (Some(Finetune), &[2], &[]),
                (Some(Quantized), &[4], &[]),
            ]),
            5,
        );
        assert_eq!(graph.cycles(), &[vec![0, 1, 2]]);
        // The edge 2 -> 0 was dropped: 2 is now a root.
        assert_eq!(graph.parents(2), &[] as &[u32]);
        for model in 0..4 {
            assert_eq!(graph.root(model), Root::Model(2), "{model}");
        }
        assert_eq!(graph.root(4), Root::Model(4));
        assert_eq!(graph.descendants(2), vec![0, 1, 3]);
        // The self-reference is no edge; the cycle's closing edge was declared, so it counts.
        assert_eq!(graph.relation_mix().edges, 4);
        assert_eq!(graph.family(4), 4);
    }

    proptest! {
        /// Descendants equal a naive fixpoint over the (cycle-broken) parent relation, and every
        /// root is a model without parents.
        #[test]
        fn descendants_match_a_fixpoint(edges in proptest::collection::vec((0_u32..12, 0_u32..12), 0..30)) {
            let mut rows: Vec<(Option<Relation>, Vec<u32>, Vec<u32>)> = vec![(None, vec![], vec![]); 12];
            for (child, parent) in &edges {
                rows[*child as usize].0 = Some(Relation::Quantized);
                rows[*child as usize].1.push(*parent);
            }
            let graph = LineageGraph::new(&LineageTable::from_rows(rows), 12);
            for model in 0..12_usize {
                let mut reach = [false; 12];
                let mut changed = true;
                while changed {
                    changed = false;
                    for child in 0..12_usize {
                        if !reach[child] && graph.parents(child).iter().any(|&p| p as usize == model || reach[p as usize]) {
                            reach[child] = true;
                            changed = true;
                        }
                    }
                }
                reach[model] = false;
                let naive: Vec<u32> = (0..12).filter(|&c| reach[c as usize]).collect();
                prop_assert_eq!(graph.descendants(model), naive);
                if let Root::Model(root) = graph.root(model) {
                    prop_assert!(graph.parents(root as usize).is_empty());
                }
                let family = graph.family(model) as usize;
                prop_assert!(family == model || graph.descendants(family).contains(&(model as u32)));
            }
        }
    }
}
