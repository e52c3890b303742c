//! The resource view: Terraform blocks, Kubernetes objects and CloudFormation resources, each a
//! [`Resource`] with a spanned body, built from parsed files.

pub mod cloudformation;
pub mod kubernetes;
pub mod terraform;

use std::collections::HashMap;

use crate::model::Resource;

/// All resources of a scan, with lookups for cross-resource tests.
#[derive(Debug, Default)]
pub struct ResourceIndex {
    pub resources: Vec<Resource>,
    /// group → type → indices into `resources`.
    by_group_type: HashMap<usize, HashMap<String, Vec<usize>>>,
    /// group → ref_name → index.
    by_ref: HashMap<usize, HashMap<String, usize>>,
}

impl ResourceIndex {
    pub fn new(resources: Vec<Resource>) -> ResourceIndex {
        let mut by_group_type: HashMap<usize, HashMap<String, Vec<usize>>> = HashMap::new();
        let mut by_ref: HashMap<usize, HashMap<String, usize>> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            by_group_type
                .entry(r.group)
                .or_default()
                .entry(r.rtype.clone())
                .or_default()
                .push(i);
            by_ref
                .entry(r.group)
                .or_default()
                .entry(r.ref_name.clone())
                .or_insert(i);
        }
        ResourceIndex {
            resources,
            by_group_type,
            by_ref,
        }
    }

    /// Resources of a type in a group.
    pub fn of_type(&self, group: usize, rtype: &str) -> impl Iterator<Item = &Resource> {
        self.by_group_type
            .get(&group)
            .and_then(|m| m.get(rtype))
            .into_iter()
            .flatten()
            .map(|&i| &self.resources[i])
    }

    /// The resource a reference names, in a group.
    pub fn by_ref(&self, group: usize, name: &str) -> Option<&Resource> {
        self.by_ref
            .get(&group)
            .and_then(|m| m.get(name))
            .map(|&i| &self.resources[i])
    }
}
