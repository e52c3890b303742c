//! The Terraform evaluator. One [`Instance`] per module call instance (the root module is
//! one too) holds that instance's variable inputs and memoises its locals, variables, policy
//! documents, module calls and outputs, so each is evaluated at most once however often it
//! is referenced. A reference cycle (`local.a = local.b`, `local.b = local.a`) is detected by
//! the memo's "in progress" state and becomes an unknown value plus a note; expression depth,
//! module nesting, instance counts and value sizes are bounded.
//!
//! Spans: an evaluated value keeps the spans of the file the expression is in. A value
//! fetched from elsewhere (a variable's default or tfvars value, a caller's argument, a
//! module output, a local defined in another file) is *relocated* to the span of the
//! reference that uses it; a caller's argument also records where it was written
//! ([`crate::model::Meta::via`]). Policy documents keep spans in the file they were written
//! in, tagged with that file ([`crate::model::Meta::file`]).

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;

use crate::model::expr::{BinaryOp, DynamicBlock, Expr, ForExpr, Step, UnaryOp};
use crate::model::{Framework, Key, Node, Resource, Span, Unknown, Value};
use crate::parse::hcl::HclBlock;

use super::functions::{self, has_unknown, unknown_from};
use super::modules::{self, ModuleDir};
use super::policy::{self, Seg};
use super::vars::{self, Input, VarDecl};
use super::EvalInputs;

/// How deeply module calls may nest (a module calling itself stops here).
const MAX_MODULE_DEPTH: usize = 24;
/// More `count`/`for_each` instances than this are evaluated once, with unknown keys.
const MAX_INSTANCES: usize = 1000;
/// More nodes than this in one value (locals doubling each other) make it unknown.
const MAX_NODES: usize = 200_000;
/// More elements than this in a `for` collection make the result unknown.
const MAX_ITEMS: usize = 100_000;
/// Expression evaluations one root's module tree may spend (nested loops over large
/// collections would otherwise run for hours); past it, values are unknown.
const MAX_STEPS: u64 = 10_000_000;

/// What all evaluations of a scan share.
pub struct Shared<'a> {
    pub dirs: &'a BTreeMap<PathBuf, ModuleDir>,
    pub inputs: &'a EvalInputs<'a>,
}

/// The result of evaluating one root module and everything it calls.
#[derive(Debug, Default)]
pub struct TreeResult {
    pub resources: Vec<Resource>,
    pub notes: Vec<(usize, String)>,
    /// Module directories this root instantiated or called.
    pub reached: BTreeSet<PathBuf>,
}

/// An evaluation error: Terraform would reject the expression. `try` and `can` catch it;
/// anywhere else it makes the value unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError(pub String);

/// An evaluation result.
pub type R = Result<Node, EvalError>;

/// Evaluates a root module and the modules it calls.
pub fn evaluate_root(shared: &Shared, dir: &ModuleDir) -> TreeResult {
    let tree = Tree {
        shared,
        root: dir,
        notes: RefCell::new(Vec::new()),
        reached: RefCell::new(BTreeSet::new()),
        groups: Cell::new(0),
        steps: Cell::new(0),
        expr_depth: Cell::new(0),
    };
    let mut resources = Vec::new();
    {
        let root = Instance::new(&tree, dir, Vec::new(), Vec::new(), None);
        root.resources("", &[], &mut resources);
    }
    TreeResult {
        resources,
        notes: tree.notes.into_inner(),
        reached: tree.reached.into_inner(),
    }
}

/// State shared by the instances of one root's module tree.
struct Tree<'t> {
    shared: &'t Shared<'t>,
    root: &'t ModuleDir,
    notes: RefCell<Vec<(usize, String)>>,
    reached: RefCell<BTreeSet<PathBuf>>,
    groups: Cell<usize>,
    /// Evaluations spent so far (bounded by [`MAX_STEPS`]).
    steps: Cell<u64>,
    /// Nesting of the evaluation in progress, across module instances: one evaluation
    /// recurses through the calls of a whole module tree (a module output read by its
    /// caller), so the bound on the stack must be the tree's, not each instance's.
    expr_depth: Cell<usize>,
}

impl Tree<'_> {
    fn note(&self, file: usize, msg: String) {
        self.notes.borrow_mut().push((file, msg));
    }
    fn next_group(&self) -> usize {
        self.groups.set(self.groups.get() + 1);
        self.groups.get()
    }
}

/// Names bound by `for`, `count`, `for_each`, dynamic iterators and `templatefile`.
struct Frame<'s> {
    vars: Vec<(String, Node)>,
    parent: Scope<'s>,
    /// `each`, `count` and dynamic iterators: a value is reported where it is used (with
    /// where it came from as context). `for` and template variables stay inside their
    /// expression.
    relocate: bool,
}

/// The names visible to an expression.
#[derive(Clone, Copy, Default)]
struct Scope<'s> {
    frame: Option<&'s Frame<'s>>,
    /// Inside `templatefile`: only the given variables exist.
    isolated: bool,
}

impl<'s> Scope<'s> {
    fn get(&self, name: &str) -> Option<&'s Node> {
        self.lookup(name).map(|(v, _)| v)
    }

    /// The value bound to `name` and whether its frame relocates values.
    fn lookup(&self, name: &str) -> Option<(&'s Node, bool)> {
        let mut cur = self.frame;
        while let Some(f) = cur {
            if let Some((_, v)) = f.vars.iter().find(|(n, _)| n == name) {
                return Some((v, f.relocate));
            }
            cur = f.parent.frame;
        }
        None
    }
}

/// A memo slot.
#[derive(Clone)]
enum Slot {
    Busy,
    Done(Node),
    Failed(EvalError),
}

/// A module call: where it points and its instances after folding identical ones.
struct Call<'t> {
    /// Why the call cannot be followed (remote source without `modules.json`, missing
    /// directory, unknown `count`), if so.
    unknown: Option<String>,
    keying: Keying,
    /// (address suffix `""`/`[0]`/`["a"]`, instance).
    instances: Vec<(String, Rc<Instance<'t>>)>,
    /// Per `count`/`for_each` key, the index of its instance in `instances`.
    by_key: Vec<(Node, usize)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Keying {
    Single,
    Count,
    ForEach,
}

/// A module call argument: (name, value evaluated in the caller, where it is written).
type CallArg = (String, Node, Span);

/// The instances of a block with `count` / `for_each`: (address suffix, key, bindings).
type Instances = Vec<(String, Option<Node>, Vec<(String, Node)>)>;

/// One module instance.
struct Instance<'t> {
    tree: &'t Tree<'t>,
    dir: &'t ModuleDir,
    /// Call names from the root (`["vpc", "subnets"]`): the `modules.json` key.
    key_path: Vec<String>,
    depth: usize,
    /// Directories of the calling instances, root first: a call back into one is a cycle.
    chain: Vec<PathBuf>,
    path_module: String,
    var_decls: HashMap<&'t str, VarDecl<'t>>,
    inputs: HashMap<String, Input>,
    local_defs: HashMap<&'t str, (usize, &'t Node)>,
    outputs_defs: Vec<(usize, &'t HclBlock)>,
    call_defs: HashMap<&'t str, (usize, &'t HclBlock)>,
    data_defs: HashMap<(&'t str, &'t str), (usize, &'t HclBlock)>,
    locals: RefCell<HashMap<String, Slot>>,
    vars: RefCell<HashMap<String, Slot>>,
    docs: RefCell<HashMap<String, Slot>>,
    calls: RefCell<HashMap<String, Rc<Call<'t>>>>,
    calls_busy: RefCell<HashSet<String>>,
    outputs: RefCell<Option<Slot>>,
}

impl<'t> Instance<'t> {
    fn new(
        tree: &'t Tree<'t>,
        dir: &'t ModuleDir,
        key_path: Vec<String>,
        chain: Vec<PathBuf>,
        inputs: Option<HashMap<String, Input>>,
    ) -> Instance<'t> {
        let depth = chain.len();
        tree.reached.borrow_mut().insert(dir.dir.clone());
        let mut var_decls = HashMap::new();
        let mut local_defs = HashMap::new();
        let mut outputs_defs = Vec::new();
        let mut call_defs = HashMap::new();
        let mut data_defs = HashMap::new();
        for f in &dir.files {
            for b in f.blocks.iter() {
                match (b.ident.as_str(), b.labels.as_slice()) {
                    ("variable", [name, ..]) => {
                        var_decls.insert(name.as_str(), VarDecl::from_block(f.file, b));
                    }
                    ("locals", _) => {
                        if let Value::Map(m) = &b.body.value {
                            for (k, v) in m {
                                local_defs.insert(k.name.as_str(), (f.file, v));
                            }
                        }
                    }
                    ("output", [_, ..]) => outputs_defs.push((f.file, b)),
                    ("module", [name, ..]) => {
                        call_defs.insert(name.as_str(), (f.file, b));
                    }
                    ("data", [t, n, ..]) => {
                        data_defs.insert((t.as_str(), n.as_str()), (f.file, b));
                    }
                    _ => {}
                }
            }
        }
        let inputs = inputs.unwrap_or_else(|| {
            let i = tree.shared.inputs;
            vars::root_inputs(dir, &var_decls, i.cli_vars, i.env_vars)
        });
        Instance {
            tree,
            dir,
            key_path,
            depth,
            chain,
            path_module: modules::relative(&tree.root.dir, &dir.dir),
            var_decls,
            inputs,
            local_defs,
            outputs_defs,
            call_defs,
            data_defs,
            locals: RefCell::new(HashMap::new()),
            vars: RefCell::new(HashMap::new()),
            docs: RefCell::new(HashMap::new()),
            calls: RefCell::new(HashMap::new()),
            calls_busy: RefCell::new(HashSet::new()),
            outputs: RefCell::new(None),
        }
    }

    // ---- resources -------------------------------------------------------------------

    /// Builds the resources of this instance and of the modules it calls.
    fn resources(&self, prefix: &str, context: &[(usize, Span, String)], out: &mut Vec<Resource>) {
        let group = self.tree.next_group();
        for f in &self.dir.files {
            for b in f.blocks.iter() {
                let (rtype, local) = match (b.ident.as_str(), b.labels.as_slice()) {
                    ("resource", [t, n, ..]) => (t.clone(), format!("{t}.{n}")),
                    ("data", [t, n, ..]) => (format!("data.{t}"), format!("data.{t}.{n}")),
                    ("module", [n, ..]) => ("module".to_string(), format!("module.{n}")),
                    _ => continue,
                };
                let instances = self.instances(&b.body, f.file);
                if instances.is_empty() {
                    // `count = 0` or an empty `for_each`: the block does not exist.
                    if b.ident == "module" {
                        self.mark_call_target(b);
                    }
                    continue;
                }
                let mut bodies: Vec<(String, Node)> = instances
                    .iter()
                    .map(|(suffix, _, binds)| {
                        let frame = Frame {
                            vars: binds.clone(),
                            parent: Scope::default(),
                            relocate: true,
                        };
                        let sc = Scope {
                            frame: Some(&frame),
                            isolated: false,
                        };
                        (suffix.clone(), self.eval_body(&b.body, sc, f.file))
                    })
                    .collect();
                // Identical instances are one resource (one finding), not one per index.
                if bodies.windows(2).all(|w| w[0].1 == w[1].1) {
                    bodies.truncate(1);
                    bodies[0].0 = String::new();
                }
                for (suffix, body) in bodies {
                    out.push(Resource {
                        file: f.file,
                        framework: Framework::Terraform,
                        rtype: rtype.clone(),
                        address: format!("{prefix}{local}{suffix}"),
                        ref_name: local.clone(),
                        anchor: b.header,
                        span: b.span,
                        body,
                        pod_spec_path: None,
                        partial: false,
                        group,
                        context: context.to_vec(),
                    });
                }
                if b.ident == "module" {
                    let name = b.labels[0].as_str();
                    let Ok(call) = self.call(name) else { continue };
                    for (suffix, child) in &call.instances {
                        let mut ctx = vec![(
                            f.file,
                            b.header,
                            format!("in module.{name}{suffix}, called here"),
                        )];
                        ctx.extend(context.iter().cloned());
                        child.resources(&format!("{prefix}module.{name}{suffix}."), &ctx, out);
                    }
                }
            }
        }
    }

    /// The instances `count` / `for_each` create. Unknown counts give one instance whose
    /// `count.index` / `each` is unknown.
    fn instances(&self, body: &Node, file: usize) -> Instances {
        let sc = Scope::default();
        if let Some(c) = body.get("count") {
            let unknown_one = || {
                vec![(
                    String::new(),
                    None,
                    vec![(
                        "count".to_string(),
                        obj(
                            &[("index", Node::unknown("count.index", vec![], c.span))],
                            c.span,
                        ),
                    )],
                )]
            };
            let v = match self.eval(c, sc, file) {
                Ok(v) => v,
                Err(_) => return unknown_one(),
            };
            let n = match &v.value {
                Value::Number(n) => Some(*n),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            return match n {
                Some(0.0) => Vec::new(),
                Some(n) if n > 0.0 && n.fract() == 0.0 && n as usize <= MAX_INSTANCES => (0..n
                    as usize)
                    .map(|i| {
                        let key = Node::new(Value::Number(i as f64), c.span);
                        (
                            format!("[{i}]"),
                            Some(key.clone()),
                            vec![("count".to_string(), obj(&[("index", key)], c.span))],
                        )
                    })
                    .collect(),
                _ => unknown_one(),
            };
        }
        if let Some(fe) = body.get("for_each") {
            let unknown_one = || {
                vec![(
                    String::new(),
                    None,
                    vec![("each".to_string(), Node::unknown("each", vec![], fe.span))],
                )]
            };
            let Ok(v) = self.eval(fe, sc, file) else {
                return unknown_one();
            };
            let items: Vec<(Node, Node)> = match &v.value {
                Value::Map(m) => sorted_entries(m),
                Value::List(l) => {
                    if l.iter().any(|e| e.is_unknown()) {
                        return unknown_one();
                    }
                    // A set of strings: each key is its value.
                    l.iter()
                        .map(|e| {
                            let k = e.scalar_text().unwrap_or_default();
                            (Node::new(Value::String(k), e.span), e.clone())
                        })
                        .collect()
                }
                Value::Null => Vec::new(),
                _ => return unknown_one(),
            };
            if items.len() > MAX_INSTANCES {
                return unknown_one();
            }
            return items
                .into_iter()
                .map(|(k, val)| {
                    let ks = k.scalar_text().unwrap_or_default();
                    (
                        format!("[{ks:?}]"),
                        Some(k.clone()),
                        vec![(
                            "each".to_string(),
                            obj(&[("key", k), ("value", val)], fe.span),
                        )],
                    )
                })
                .collect();
        }
        vec![(String::new(), None, Vec::new())]
    }

    // ---- module calls ----------------------------------------------------------------

    /// Records the directory a module block points to as reached (even when it has no
    /// instances), so that it is not evaluated on its own as if nobody called it.
    fn mark_call_target(&self, b: &HclBlock) {
        if let Some(s) = modules::source_of(b).filter(|s| modules::is_local_source(s)) {
            let t = modules::local_target(&self.dir.dir, s);
            self.tree.reached.borrow_mut().insert(t);
        }
    }

    /// The module call `name`, built on first use.
    fn call(&self, name: &str) -> Result<Rc<Call<'t>>, EvalError> {
        if let Some(c) = self.calls.borrow().get(name) {
            return Ok(c.clone());
        }
        let Some(&(file, block)) = self.call_defs.get(name) else {
            return Err(EvalError(format!("no module call named `{name}`")));
        };
        if !self.calls_busy.borrow_mut().insert(name.to_string()) {
            self.tree.note(
                file,
                format!(
                    "module.{name} refers to itself through its arguments; its values are unknown"
                ),
            );
            return Ok(Rc::new(Call {
                unknown: Some(format!("module.{name} refers to itself")),
                keying: Keying::Single,
                instances: Vec::new(),
                by_key: Vec::new(),
            }));
        }
        let call = Rc::new(self.build_call(name, file, block));
        self.calls_busy.borrow_mut().remove(name);
        self.calls
            .borrow_mut()
            .insert(name.to_string(), call.clone());
        Ok(call)
    }

    fn build_call(&self, name: &str, file: usize, block: &'t HclBlock) -> Call<'t> {
        let unknown = |why: String| Call {
            unknown: Some(why),
            keying: Keying::Single,
            instances: Vec::new(),
            by_key: Vec::new(),
        };
        self.mark_call_target(block);
        let mut key_path = self.key_path.clone();
        key_path.push(name.to_string());
        let target = match modules::source_of(block) {
            Some(s) if modules::is_local_source(s) => {
                let t = modules::local_target(&self.dir.dir, s);
                match self.tree.shared.dirs.get(&t) {
                    Some(d) if d.outside => {
                        self.tree.note(
                            file,
                            format!("module.{name}: source {s:?} is outside the scanned tree; not read, its values are unknown"),
                        );
                        return unknown(format!(
                            "module.{name} source {s:?} is outside the scanned tree"
                        ));
                    }
                    Some(d) if !d.files.is_empty() => d,
                    _ => {
                        self.tree.note(
                            file,
                            format!("module.{name}: source {s:?} has no Terraform files; its values are unknown"),
                        );
                        return unknown(format!("module.{name} source {s:?} not found"));
                    }
                }
            }
            Some(s) => {
                let key = key_path.join(".");
                let dir = self
                    .tree
                    .root
                    .manifest
                    .as_ref()
                    .and_then(|m| m.get(&key))
                    .and_then(|p| self.tree.shared.dirs.get(p))
                    .filter(|d| !d.files.is_empty());
                match dir {
                    Some(d) => d,
                    None => {
                        return unknown(format!(
                            "module.{name} source {s:?} is not downloaded (run `terraform init`)"
                        ))
                    }
                }
            }
            None => return unknown(format!("module.{name} has no literal source")),
        };
        if target.dir == self.dir.dir || self.chain.contains(&target.dir) {
            self.tree.note(
                file,
                format!("module.{name} calls a module that contains it (a cycle); not followed"),
            );
            return unknown(format!("module.{name} is part of a module cycle"));
        }
        if self.depth + 1 > MAX_MODULE_DEPTH {
            self.tree.note(
                file,
                format!("module.{name}: module calls nested deeper than {MAX_MODULE_DEPTH} (a module calling itself?); not followed"),
            );
            return unknown(format!("module.{name} is nested too deeply"));
        }
        let instances = self.instances(&block.body, file);
        let keying = if block.body.get("count").is_some() {
            Keying::Count
        } else if block.body.get("for_each").is_some() {
            Keying::ForEach
        } else {
            Keying::Single
        };
        let unknown_keys =
            instances.len() == 1 && instances[0].1.is_none() && keying != Keying::Single;
        // Each instance's arguments, evaluated in the caller with its `count`/`each`.
        let mut arg_sets: Vec<(String, Option<Node>, Vec<CallArg>)> = Vec::new();
        for (suffix, key, binds) in &instances {
            let frame = Frame {
                vars: binds.clone(),
                parent: Scope::default(),
                relocate: true,
            };
            let sc = Scope {
                frame: Some(&frame),
                isolated: false,
            };
            let mut args = Vec::new();
            if let Value::Map(m) = &block.body.value {
                for (k, v) in m {
                    if modules::MODULE_META_ARGS.contains(&k.name.as_str()) {
                        continue;
                    }
                    args.push((k.name.clone(), self.eval_body(v, sc, file), v.span));
                }
            }
            arg_sets.push((suffix.clone(), key.clone(), args));
        }
        let fold = arg_sets.windows(2).all(|w| w[0].2 == w[1].2);
        let mut call = Call {
            unknown: unknown_keys
                .then(|| format!("module.{name} has an unknown count or for_each")),
            keying,
            instances: Vec::new(),
            by_key: Vec::new(),
        };
        for (i, (suffix, key, args)) in arg_sets.into_iter().enumerate() {
            if fold && i > 0 {
                if let Some(k) = key {
                    call.by_key.push((k, 0));
                }
                continue;
            }
            let inputs = args
                .into_iter()
                .map(|(k, node, span)| {
                    (
                        k,
                        Input {
                            node,
                            via: Some((file, span)),
                            evaluated: true,
                        },
                    )
                })
                .collect();
            let mut chain = self.chain.clone();
            chain.push(self.dir.dir.clone());
            let child = Instance::new(self.tree, target, key_path.clone(), chain, Some(inputs));
            let suffix = if fold { String::new() } else { suffix };
            call.instances.push((suffix, Rc::new(child)));
            if let Some(k) = key {
                call.by_key.push((k, call.instances.len() - 1));
            }
        }
        call
    }

    /// The value of `module.NAME`: its outputs (a list for `count`, a map for `for_each`).
    fn module_value(&self, name: &str, span: Span) -> R {
        let call = self.call(name)?;
        let refs = vec![format!("module.{name}")];
        if let Some(why) = &call.unknown {
            return Ok(Node::unknown(why.clone(), refs, span));
        }
        let outputs_of = |i: usize| -> R {
            let v = call.instances[i].1.outputs()?;
            let mut v = relocate(v, span);
            rewrite_refs(&mut v, &refs[0]);
            Ok(v)
        };
        match call.keying {
            Keying::Single => match call.instances.first() {
                Some(_) => outputs_of(0),
                None => Ok(Node::unknown(format!("module.{name}"), refs, span)),
            },
            Keying::Count => {
                let items = call
                    .by_key
                    .iter()
                    .map(|(_, i)| outputs_of(*i))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Node::new(Value::List(items), span))
            }
            Keying::ForEach => {
                let mut entries = Vec::new();
                for (k, i) in &call.by_key {
                    let name = k.scalar_text().unwrap_or_default();
                    entries.push((Key { name, span }, outputs_of(*i)?));
                }
                Ok(Node::new(Value::Map(entries), span))
            }
        }
    }

    /// This instance's outputs as an object (memoised).
    fn outputs(&self) -> R {
        match self.outputs.borrow().clone() {
            Some(Slot::Done(v)) => return Ok(v),
            Some(Slot::Failed(e)) => return Err(e),
            Some(Slot::Busy) => {
                return Ok(Node::unknown(
                    "module outputs refer to themselves",
                    vec![],
                    Span::default(),
                ))
            }
            None => {}
        }
        *self.outputs.borrow_mut() = Some(Slot::Busy);
        let mut entries = Vec::new();
        for (file, b) in &self.outputs_defs {
            let Some(v) = b.body.get("value") else {
                continue;
            };
            let mut value = self.eval_body(v, Scope::default(), *file);
            if matches!(
                b.body.get("sensitive").map(|s| &s.value),
                Some(Value::Bool(true))
            ) {
                mark_sensitive(&mut value);
            }
            entries.push((
                Key {
                    name: b.labels[0].clone(),
                    span: b.header,
                },
                value,
            ));
        }
        let v = Node::new(Value::Map(entries), Span::default());
        *self.outputs.borrow_mut() = Some(Slot::Done(v.clone()));
        Ok(v)
    }

    // ---- variables, locals, data -----------------------------------------------------

    /// The value of `var.NAME` (spans not yet relocated).
    fn var(&self, name: &str) -> R {
        if let Some(s) = self.vars.borrow().get(name).cloned() {
            return match s {
                Slot::Done(v) => Ok(v),
                Slot::Failed(e) => Err(e),
                Slot::Busy => Ok(Node::unknown(
                    format!("var.{name} refers to itself"),
                    vec![],
                    Span::default(),
                )),
            };
        }
        let Some(decl) = self.var_decls.get(name) else {
            return Err(EvalError(format!("var.{name} is not declared")));
        };
        self.vars.borrow_mut().insert(name.to_string(), Slot::Busy);
        let isolated = Scope {
            frame: None,
            isolated: true,
        };
        let default = || match decl.default {
            Some(d) => {
                let mut v = self.eval_body(d, isolated, decl.file);
                // Never point at where a secret is written.
                if !decl.sensitive {
                    remember_origin(&mut v, decl.file);
                }
                v
            }
            None => Node::unknown(
                format!("var.{name} has no default"),
                vec![],
                Span::default(),
            ),
        };
        let mut v = match self.inputs.get(name) {
            Some(input) => {
                let mut v = if input.evaluated {
                    input.node.clone()
                } else {
                    // A tfvars value is a literal; evaluate it without any context.
                    self.eval_body(&input.node, isolated, decl.file)
                };
                if matches!(v.value, Value::Null) && !decl.nullable && decl.default.is_some() {
                    v = default();
                } else if let Some((origin_file, _)) = input.via.filter(|_| !decl.sensitive) {
                    remember_origin(&mut v, origin_file);
                }
                v
            }
            None => default(),
        };
        v = vars::convert(v, decl.ty);
        if decl.sensitive {
            mark_sensitive(&mut v);
        }
        self.vars
            .borrow_mut()
            .insert(name.to_string(), Slot::Done(v.clone()));
        Ok(v)
    }

    /// The value of `local.NAME` and the file it is defined in.
    fn local(&self, name: &str) -> Result<(Node, usize), EvalError> {
        let Some(&(file, expr)) = self.local_defs.get(name) else {
            return Err(EvalError(format!("local.{name} is not defined")));
        };
        let slot = self.locals.borrow().get(name).cloned();
        match slot {
            Some(Slot::Done(v)) => return Ok((v, file)),
            Some(Slot::Failed(e)) => return Err(e),
            Some(Slot::Busy) => {
                self.tree.note(
                    file,
                    format!("reference cycle through local.{name}; its value is unknown"),
                );
                return Ok((
                    Node::unknown(
                        format!("reference cycle through local.{name}"),
                        vec![],
                        expr.span,
                    ),
                    file,
                ));
            }
            None => {}
        }
        self.locals
            .borrow_mut()
            .insert(name.to_string(), Slot::Busy);
        let result = self.eval(expr, Scope::default(), file).map(|v| {
            if node_count(&v, MAX_NODES) >= MAX_NODES {
                Node::unknown(format!("local.{name} is too large"), vec![], expr.span)
            } else {
                v
            }
        });
        let slot = match &result {
            Ok(v) => Slot::Done(v.clone()),
            Err(e) => Slot::Failed(e.clone()),
        };
        self.locals.borrow_mut().insert(name.to_string(), slot);
        result.map(|v| (v, file))
    }

    /// `data.TYPE.NAME`: the data source's value, and how many steps that consumed. Policy
    /// documents are computed (one per `count` / `for_each` instance, like resources);
    /// every other data source is unknown.
    fn data_ref(&self, steps: &[Step], span: Span, desc: &str) -> Result<(Node, usize), EvalError> {
        let attrs: Vec<&str> = steps
            .iter()
            .map_while(|s| match s {
                Step::Attr(a) => Some(a.as_str()),
                _ => None,
            })
            .collect();
        if attrs.len() < 2 {
            return Ok((Node::unknown(desc.to_string(), vec![], span), 0));
        }
        let refs = vec![format!("data.{}.{}", attrs[0], attrs[1])];
        if attrs[0] != "aws_iam_policy_document" {
            return Ok((Node::unknown(desc.to_string(), refs, span), 2));
        }
        let name = attrs[1];
        let Some(&(file, block)) = self.data_defs.get(&("aws_iam_policy_document", name)) else {
            return Err(EvalError(format!(
                "no data \"aws_iam_policy_document\" \"{name}\" in this module"
            )));
        };
        let slot = self.docs.borrow().get(name).cloned();
        let value = match slot {
            Some(Slot::Done(v)) => v,
            Some(Slot::Failed(e)) => return Err(e),
            Some(Slot::Busy) => {
                self.tree.note(
                    file,
                    format!("reference cycle through data.aws_iam_policy_document.{name}"),
                );
                return Ok((Node::unknown(desc.to_string(), refs, span), 2));
            }
            None => {
                self.docs.borrow_mut().insert(name.to_string(), Slot::Busy);
                let v = self.policy_documents(block, file, &refs[0]);
                self.docs
                    .borrow_mut()
                    .insert(name.to_string(), Slot::Done(v.clone()));
                v
            }
        };
        Ok((relocate(value, span), 2))
    }

    /// The value of a `data "aws_iam_policy_document"` block: `{json, minified_json}`, or a
    /// list / map of those with `count` / `for_each`.
    fn policy_documents(&self, block: &HclBlock, file: usize, address: &str) -> Node {
        let header = block.header;
        let object = |binds: &[(String, Node)]| {
            let frame = Frame {
                vars: binds.to_vec(),
                parent: Scope::default(),
                relocate: true,
            };
            let sc = Scope {
                frame: Some(&frame),
                isolated: false,
            };
            let body = self.eval_body(&block.body, sc, file);
            let mut doc = policy::document_from_block(&body, header, file);
            if let Value::Unknown(u) = &mut doc.value {
                u.refs = vec![address.to_string()];
            }
            obj(&[("json", doc.clone()), ("minified_json", doc)], header)
        };
        let instances = self.instances(&block.body, file);
        let keyed = block.body.get("count").is_some() || block.body.get("for_each").is_some();
        if keyed && instances.len() == 1 && instances[0].1.is_none() {
            return Node::unknown(
                format!("{address} has an unknown count or for_each"),
                vec![address.to_string()],
                header,
            );
        }
        if block.body.get("count").is_some() {
            let items = instances.iter().map(|(_, _, b)| object(b)).collect();
            Node::new(Value::List(items), header)
        } else if block.body.get("for_each").is_some() {
            let entries = instances
                .iter()
                .map(|(_, key, b)| {
                    let name = key
                        .as_ref()
                        .and_then(|k| k.scalar_text())
                        .unwrap_or_default();
                    (Key { name, span: header }, object(b))
                })
                .collect();
            Node::new(Value::Map(entries), header)
        } else {
            object(&[])
        }
    }

    // ---- expressions -----------------------------------------------------------------

    /// Evaluates a block body leniently: an error in one attribute makes that attribute
    /// unknown, not the whole body. Dynamic blocks are expanded here.
    fn eval_body(&self, n: &Node, sc: Scope, file: usize) -> Node {
        match &n.value {
            Value::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let had_dynamic = has_dynamic(v);
                    let ev = self.eval_body(v, sc, file);
                    if had_dynamic && matches!(&ev.value, Value::List(l) if l.is_empty()) {
                        // Every block came from a `dynamic` with an empty `for_each`: none.
                        continue;
                    }
                    out.push((k.clone(), ev));
                }
                with_value(n, Value::Map(out))
            }
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    match &i.value {
                        Value::Expr(Expr::Dynamic(d)) => {
                            match self.expand_dynamic(d, i.span, sc, file) {
                                Ok(blocks) => out.extend(blocks),
                                Err(e) => out.push(unknown_from(&e, i)),
                            }
                        }
                        _ => out.push(self.eval_body(i, sc, file)),
                    }
                }
                with_value(n, Value::List(out))
            }
            _ => self
                .eval(n, sc, file)
                .unwrap_or_else(|e| unknown_from(&e, n)),
        }
    }

    /// One block per element of a dynamic block's `for_each`, each spanning the `content`
    /// block; an unknown `for_each` gives one unknown block (never "no blocks").
    fn expand_dynamic(
        &self,
        d: &DynamicBlock,
        span: Span,
        sc: Scope,
        file: usize,
    ) -> Result<Vec<Node>, EvalError> {
        let coll = self.eval(&d.for_each, sc, file)?;
        let Some(items) = iter_items(&coll)? else {
            let mut refs = Vec::new();
            coll.collect_refs(&mut refs);
            return Ok(vec![Node::unknown(
                format!("dynamic \"{}\" block with an unknown for_each", d.name),
                refs,
                span,
            )]);
        };
        if items.len() > MAX_ITEMS {
            return Ok(vec![Node::unknown("dynamic block too large", vec![], span)]);
        }
        let mut out = Vec::with_capacity(items.len());
        for (k, v) in items {
            let frame = Frame {
                vars: vec![(d.iterator.clone(), obj(&[("key", k), ("value", v)], span))],
                parent: sc,
                relocate: true,
            };
            let sc2 = Scope {
                frame: Some(&frame),
                isolated: sc.isolated,
            };
            out.push(self.eval_body(&d.content, sc2, file));
        }
        Ok(out)
    }

    /// Evaluates an expression; errors propagate (for `try` / `can`).
    fn eval(&self, n: &Node, sc: Scope, file: usize) -> R {
        let steps = self.tree.steps.get() + 1;
        self.tree.steps.set(steps);
        if steps > MAX_STEPS {
            if steps == MAX_STEPS + 1 {
                self.tree.note(
                    file,
                    format!(
                        "evaluation stopped after {MAX_STEPS} steps; remaining values are unknown"
                    ),
                );
            }
            return Ok(Node::unknown("evaluation budget exhausted", vec![], n.span));
        }
        let depth = self.tree.expr_depth.get();
        let max = self.tree.shared.inputs.max_eval_depth;
        if depth >= max {
            self.tree.note(
                file,
                format!(
                    "expressions or references nested deeper than {max} levels (`limits.max-eval-depth`); evaluation stopped"
                ),
            );
            return Ok(Node::unknown(
                "expression nested too deeply",
                vec![],
                n.span,
            ));
        }
        self.tree.expr_depth.set(depth + 1);
        let r = self.eval_inner(n, sc, file);
        self.tree.expr_depth.set(depth);
        r
    }

    fn eval_inner(&self, n: &Node, sc: Scope, file: usize) -> R {
        match &n.value {
            Value::Expr(e) => self.eval_expr(e, n.span, sc, file),
            Value::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    match &i.value {
                        Value::Expr(Expr::Dynamic(d)) => {
                            out.extend(self.expand_dynamic(d, i.span, sc, file)?)
                        }
                        _ => out.push(self.eval(i, sc, file)?),
                    }
                }
                Ok(with_value(n, Value::List(out)))
            }
            Value::Map(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    out.push((k.clone(), self.eval(v, sc, file)?));
                }
                Ok(with_value(n, Value::Map(out)))
            }
            Value::String(_) => Ok(self.with_policy(n.clone(), file, true)),
            _ => Ok(n.clone()),
        }
    }

    /// Attaches the structure of a policy document given as a JSON string.
    fn with_policy(&self, mut n: Node, file: usize, mappable: bool) -> Node {
        if let Some(st) = n.meta.as_mut().and_then(|m| m.structured.as_mut()) {
            // A structure built here (`jsonencode({…})`) points into this file.
            policy::tag_file(st, file);
            return n;
        }
        if let Value::String(s) = &n.value {
            if policy::looks_like_policy(s) {
                let source = if mappable {
                    self.tree.shared.inputs.texts.get(file).copied()
                } else {
                    None
                };
                let text = [Seg::Text(s.clone(), true)];
                if let Some(st) = policy::structure(&text, source, n.span, file) {
                    n.meta_mut().structured = Some(st);
                }
            }
        }
        n
    }

    fn eval_expr(&self, e: &Expr, span: Span, sc: Scope, file: usize) -> R {
        match e {
            Expr::Var(name) => {
                if let Some((v, relocating)) = sc.lookup(name) {
                    return Ok(if relocating {
                        from_binding(v.clone(), span, file)
                    } else {
                        v.clone()
                    });
                }
                if sc.isolated {
                    return Err(EvalError(format!("`{name}` is not a template variable")));
                }
                Ok(Node::unknown(name.clone(), vec![], span))
            }
            Expr::Traversal { base, steps } => {
                if let Value::Expr(Expr::Var(root)) = &base.value {
                    if sc.get(root).is_none() {
                        if sc.isolated {
                            return Err(EvalError(format!("`{root}` is not a template variable")));
                        }
                        return self.root_traversal(root, steps, span, sc, file, e);
                    }
                }
                if let Value::Expr(Expr::Var(root)) = &base.value {
                    if let Some((v, true)) = sc.lookup(root) {
                        let v = self.apply_steps(v.clone(), steps, sc, file, e, span)?;
                        return Ok(from_binding(v, span, file));
                    }
                }
                let b = self.eval(base, sc, file)?;
                self.apply_steps(b, steps, sc, file, e, span)
            }
            Expr::Template(parts) => self.template(parts, span, sc, file),
            Expr::TemplateIf(_) | Expr::TemplateFor(_) => self.template(
                std::slice::from_ref(&Node::new(Value::Expr(e.clone()), span)),
                span,
                sc,
                file,
            ),
            Expr::Call(c) => self.call_function(&c.name, &c.args, c.expand_final, span, sc, file),
            Expr::Conditional {
                cond,
                then,
                otherwise,
            } => {
                let c = self.eval(cond, sc, file)?;
                match as_bool(&c)? {
                    Some(true) => self.eval(then, sc, file),
                    Some(false) => self.eval(otherwise, sc, file),
                    None => {
                        let mut refs = Vec::new();
                        c.collect_refs(&mut refs);
                        then.collect_refs(&mut refs);
                        otherwise.collect_refs(&mut refs);
                        Ok(Node::unknown(
                            "conditional with an unknown condition",
                            refs,
                            span,
                        ))
                    }
                }
            }
            Expr::For(f) => self.for_expr(f, span, sc, file),
            Expr::Unary { op, operand } => {
                let v = self.eval(operand, sc, file)?;
                if v.is_unknown() {
                    return Ok(unknown_like(&v, span));
                }
                let mut out = match op {
                    UnaryOp::Not => match as_bool(&v)? {
                        Some(b) => Node::new(Value::Bool(!b), span),
                        None => unknown_like(&v, span),
                    },
                    UnaryOp::Neg => Node::new(Value::Number(-functions::num(&v)?), span),
                };
                if v.is_sensitive() {
                    out.meta_mut().sensitive = true;
                }
                Ok(out)
            }
            Expr::Binary { op, lhs, rhs } => {
                let l = self.eval(lhs, sc, file)?;
                let r = self.eval(rhs, sc, file)?;
                let mut out = binary(*op, &l, &r, span)?;
                if functions::any_sensitive(&[&l, &r]) {
                    mark_sensitive(&mut out);
                }
                Ok(out)
            }
            Expr::Object(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let kv = self.eval(k, sc, file)?;
                    if kv.is_unknown() {
                        let mut refs = Vec::new();
                        kv.collect_refs(&mut refs);
                        return Ok(Node::unknown("object with an unknown key", refs, span));
                    }
                    let name = functions::text(&kv)?;
                    out.push((Key { name, span: k.span }, self.eval(v, sc, file)?));
                }
                Ok(Node::new(Value::Map(out), span))
            }
            Expr::Dynamic(d) => Ok(Node::unknown(
                format!("dynamic \"{}\" block", d.name),
                vec![],
                span,
            )),
        }
    }

    /// A traversal from a name that is not bound in scope: `var.`, `local.`, `module.`,
    /// `data.`, `path.`, `terraform.`, or a resource (always unknown).
    fn root_traversal(
        &self,
        root: &str,
        steps: &[Step],
        span: Span,
        sc: Scope,
        file: usize,
        e: &Expr,
    ) -> R {
        let first = match steps.first() {
            Some(Step::Attr(a)) => Some(a.as_str()),
            _ => None,
        };
        let rest = steps.get(1..).unwrap_or(&[]);
        match (root, first) {
            ("var", Some(name)) => {
                let v = self.var(name)?;
                let v = self.apply_steps(v, rest, sc, file, e, span)?;
                Ok(relocate(v, span))
            }
            ("local", Some(name)) => {
                let (v, def_file) = self.local(name)?;
                let v = self.apply_steps(v, rest, sc, file, e, span)?;
                // A local points at where its value is written, in whichever file of the
                // module that is.
                let mut v = v;
                if def_file != file {
                    policy::tag_file(&mut v, def_file);
                }
                Ok(v)
            }
            ("path", Some(which)) => {
                let s = match which {
                    "module" => self.path_module.clone(),
                    "root" | "cwd" => ".".to_string(),
                    other => return Err(EvalError(format!("path.{other} is not supported"))),
                };
                let v = Node::new(Value::String(s), span);
                self.apply_steps(v, rest, sc, file, e, span)
            }
            ("terraform", Some("workspace")) => {
                let v = Node::new(
                    Value::String(self.tree.shared.inputs.workspace.to_string()),
                    span,
                );
                self.apply_steps(v, rest, sc, file, e, span)
            }
            ("module", Some(name)) => {
                let v = self.module_value(name, span)?;
                let v = self.apply_steps(v, rest, sc, file, e, span)?;
                Ok(relocate(v, span))
            }
            ("data", _) => {
                let (v, used) = self.data_ref(steps, span, &e.describe())?;
                self.apply_steps(v, &steps[used.min(steps.len())..], sc, file, e, span)
            }
            ("count", _) | ("each", _) | ("self", _) => {
                Ok(Node::unknown(e.describe(), vec![], span))
            }
            _ => {
                let mut refs = Vec::new();
                e.collect_refs(&mut refs);
                Ok(Node::unknown(e.describe(), refs, span))
            }
        }
    }

    /// Applies attribute, index and splat steps to a value.
    fn apply_steps(
        &self,
        v: Node,
        steps: &[Step],
        sc: Scope,
        file: usize,
        e: &Expr,
        span: Span,
    ) -> R {
        let mut cur = v;
        let mut i = 0;
        while i < steps.len() {
            if cur.is_unknown() {
                return Ok(unknown_like(&cur, span));
            }
            match &steps[i] {
                Step::Attr(a) => cur = get_attr(cur, a)?,
                Step::Index(ix) => {
                    let k = self.eval(ix, sc, file)?;
                    if k.is_unknown() {
                        let mut refs = Vec::new();
                        cur.collect_refs(&mut refs);
                        k.collect_refs(&mut refs);
                        return Ok(Node::unknown(e.describe(), refs, span));
                    }
                    cur = index(cur, &k)?;
                }
                Step::Splat { full } => {
                    let items = match cur.value {
                        Value::Null => Vec::new(),
                        Value::List(l) => l,
                        _ => vec![cur.clone()],
                    };
                    let end = if *full {
                        steps.len()
                    } else {
                        i + 1
                            + steps[i + 1..]
                                .iter()
                                .take_while(|s| matches!(s, Step::Attr(_)))
                                .count()
                    };
                    let sub = &steps[i + 1..end];
                    let mapped = items
                        .into_iter()
                        .map(|item| self.apply_steps(item, sub, sc, file, e, span))
                        .collect::<Result<Vec<_>, _>>()?;
                    cur = Node::new(Value::List(mapped), cur.span);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(cur)
    }

    fn template(&self, parts: &[Node], span: Span, sc: Scope, file: usize) -> R {
        // `"${x}"` is x itself, whatever its type.
        if let [only] = parts {
            if !matches!(
                only.value,
                Value::String(_) | Value::Expr(Expr::TemplateIf(_) | Expr::TemplateFor(_))
            ) {
                return self.eval(only, sc, file);
            }
        }
        let mut segs = Vec::new();
        let mut sensitive = false;
        self.template_segs(parts, sc, file, &mut segs, &mut sensitive)?;
        let mut out = if segs.iter().all(|s| matches!(s, Seg::Text(..))) {
            let s: String = segs
                .iter()
                .map(|s| match s {
                    Seg::Text(t, _) => t.as_str(),
                    Seg::Unknown(_) => "",
                })
                .collect();
            if s.len() > functions::MAX_STRING {
                return Ok(Node::unknown("string too large", vec![], span));
            }
            let n = Node::new(Value::String(s), span);
            self.with_policy(n, file, true)
        } else {
            let mut refs = Vec::new();
            for s in &segs {
                if let Seg::Unknown(u) = s {
                    u.collect_refs(&mut refs);
                }
            }
            let mut n = Node::unknown("string template", refs, span);
            let source = self.tree.shared.inputs.texts.get(file).copied();
            if let Some(st) = policy::structure(&segs, source, span, file) {
                n.meta_mut().structured = Some(st);
            }
            n
        };
        if sensitive {
            out.meta_mut().sensitive = true;
        }
        Ok(out)
    }

    fn template_segs(
        &self,
        parts: &[Node],
        sc: Scope,
        file: usize,
        out: &mut Vec<Seg>,
        sensitive: &mut bool,
    ) -> Result<(), EvalError> {
        for p in parts {
            match &p.value {
                Value::String(s) => out.push(Seg::Text(s.clone(), true)),
                Value::Expr(Expr::TemplateIf(d)) => {
                    let c = self.eval(&d.cond, sc, file)?;
                    match as_bool(&c)? {
                        Some(true) => self.template_segs(&d.then, sc, file, out, sensitive)?,
                        Some(false) => {
                            self.template_segs(&d.otherwise, sc, file, out, sensitive)?
                        }
                        None => out.push(Seg::Unknown(unknown_like(&c, p.span))),
                    }
                }
                Value::Expr(Expr::TemplateFor(d)) => {
                    let (key_var, value_var, body) = (&d.key_var, &d.value_var, &d.body);
                    let coll = self.eval(&d.collection, sc, file)?;
                    let Some(items) = iter_items(&coll)? else {
                        out.push(Seg::Unknown(unknown_like(&coll, p.span)));
                        continue;
                    };
                    if items.len() > MAX_ITEMS {
                        out.push(Seg::Unknown(Node::unknown(
                            "template loop too large",
                            vec![],
                            p.span,
                        )));
                        continue;
                    }
                    for (k, v) in items {
                        let mut vars = vec![(value_var.clone(), v)];
                        if let Some(kv) = key_var {
                            vars.push((kv.clone(), k));
                        }
                        let frame = Frame {
                            vars,
                            parent: sc,
                            relocate: false,
                        };
                        let sc2 = Scope {
                            frame: Some(&frame),
                            isolated: sc.isolated,
                        };
                        self.template_segs(body, sc2, file, out, sensitive)?;
                    }
                }
                _ => {
                    let v = self.eval(p, sc, file)?;
                    *sensitive |= functions::any_sensitive(&[&v]);
                    match &v.value {
                        Value::Unknown(_) | Value::Expr(_) => out.push(Seg::Unknown(v)),
                        Value::Null => {
                            return Err(EvalError("a null value in a string template".into()))
                        }
                        Value::List(_) | Value::Map(_) => {
                            return Err(EvalError("a list or object in a string template".into()))
                        }
                        _ => out.push(Seg::Text(v.scalar_text().unwrap_or_default(), false)),
                    }
                }
            }
        }
        Ok(())
    }

    fn for_expr(&self, f: &ForExpr, span: Span, sc: Scope, file: usize) -> R {
        let coll = self.eval(&f.collection, sc, file)?;
        let Some(items) = iter_items(&coll)? else {
            return Ok(unknown_like(&coll, span));
        };
        if items.len() > MAX_ITEMS {
            return Ok(Node::unknown(
                "for expression over too many elements",
                vec![],
                span,
            ));
        }
        let mut list = Vec::new();
        let mut map: Vec<(Key, Node)> = Vec::new();
        for (k, v) in items {
            let mut vars = vec![(f.value_var.clone(), v)];
            if let Some(kv) = &f.key_var {
                vars.push((kv.clone(), k));
            }
            let frame = Frame {
                vars,
                parent: sc,
                relocate: false,
            };
            let sc2 = Scope {
                frame: Some(&frame),
                isolated: sc.isolated,
            };
            if let Some(c) = &f.cond {
                let cv = self.eval(c, sc2, file)?;
                match as_bool(&cv)? {
                    Some(true) => {}
                    Some(false) => continue,
                    None => return Ok(unknown_like(&cv, span)),
                }
            }
            let value = self.eval(&f.value, sc2, file)?;
            match &f.key {
                None => list.push(value),
                Some(kx) => {
                    let key = self.eval(kx, sc2, file)?;
                    if key.is_unknown() {
                        return Ok(unknown_like(&key, span));
                    }
                    let name = functions::text(&key)?;
                    if f.grouping {
                        match map.iter_mut().find(|(k, _)| k.name == name) {
                            Some((
                                _,
                                Node {
                                    value: Value::List(l),
                                    ..
                                },
                            )) => l.push(value),
                            _ => map.push((
                                Key {
                                    name,
                                    span: key.span,
                                },
                                Node::new(Value::List(vec![value]), span),
                            )),
                        }
                    } else if let Some(slot) = map.iter_mut().find(|(k, _)| k.name == name) {
                        return Err(EvalError(format!(
                            "duplicate key {:?} in a for expression (use `...` to group)",
                            slot.0.name
                        )));
                    } else {
                        map.push((
                            Key {
                                name,
                                span: key.span,
                            },
                            value,
                        ));
                    }
                }
            }
        }
        Ok(match f.key {
            None => Node::new(Value::List(list), span),
            Some(_) => Node::new(Value::Map(map), span),
        })
    }

    fn call_function(
        &self,
        name: &str,
        args: &[Node],
        expand_final: bool,
        span: Span,
        sc: Scope,
        file: usize,
    ) -> R {
        match name {
            "try" => {
                let mut last = None;
                for a in args {
                    match self.eval(a, sc, file) {
                        // Like Terraform: a value that is not wholly known might still fail.
                        Ok(v) if has_unknown(&v) => return Ok(unknown_like(&v, span)),
                        Ok(v) => return Ok(v),
                        Err(e) => last = Some(e),
                    }
                }
                return Err(last.unwrap_or_else(|| EvalError("try() needs arguments".into())));
            }
            "can" => {
                let [a] = args else {
                    return Err(EvalError("can() takes one argument".into()));
                };
                return Ok(match self.eval(a, sc, file) {
                    Ok(v) if has_unknown(&v) => unknown_like(&v, span),
                    Ok(_) => Node::new(Value::Bool(true), span),
                    Err(_) => Node::new(Value::Bool(false), span),
                });
            }
            _ => {}
        }
        let mut vals = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let v = self.eval(a, sc, file)?;
            if expand_final && i + 1 == args.len() {
                match v.value {
                    Value::List(items) => vals.extend(items),
                    Value::Unknown(_) => return Ok(unknown_like(&v, span)),
                    _ => return Err(EvalError("`...` needs a list".into())),
                }
            } else {
                vals.push(v);
            }
        }
        match name {
            "file" | "templatefile" | "fileexists" => self.file_function(name, &vals, span, file),
            _ => match functions::call(name, &vals, span) {
                Some(r) => r.map(|n| self.with_policy(n, file, false)),
                None => {
                    let mut refs = Vec::new();
                    vals.iter().for_each(|v| v.collect_refs(&mut refs));
                    Ok(Node::unknown(format!("{name}(…)"), refs, span))
                }
            },
        }
    }

    /// `file`, `fileexists`, `templatefile`: paths are relative to the root module, as in
    /// Terraform; only files inside the scanned tree are read, anything else is unknown.
    fn file_function(&self, name: &str, args: &[Node], span: Span, file: usize) -> R {
        let Some(p) = args.first() else {
            return Err(EvalError(format!("{name}() needs a path")));
        };
        if functions::any_unknown(args) {
            let mut refs = Vec::new();
            args.iter().for_each(|v| v.collect_refs(&mut refs));
            return Ok(Node::unknown(format!("{name}(…)"), refs, span));
        }
        let rel = functions::text(p)?;
        let path = self.tree.root.dir.join(&rel);
        let text = self.tree.shared.inputs.files.read(&path);
        match (name, text) {
            ("fileexists", t) => Ok(match t {
                Some(_) => Node::new(Value::Bool(true), span),
                None => Node::unknown(format!("fileexists({rel:?})"), vec![], span),
            }),
            (_, None) => Ok(Node::unknown(
                format!("{name}({rel:?}): not readable inside the scanned tree"),
                vec![],
                span,
            )),
            ("file", Some(t)) => {
                Ok(self.with_policy(Node::new(Value::String(t.to_string()), span), file, false))
            }
            (_, Some(t)) => {
                let vars = match args.get(1).map(|v| &v.value) {
                    Some(Value::Map(m)) => {
                        m.iter().map(|(k, v)| (k.name.clone(), v.clone())).collect()
                    }
                    None => Vec::new(),
                    _ => {
                        return Err(EvalError(
                            "templatefile() variables must be an object".into(),
                        ))
                    }
                };
                let tpl = match hcl_edit::parser::parse_template(&t) {
                    Ok(tpl) => tpl,
                    Err(e) => {
                        return Err(EvalError(format!("templatefile({rel:?}): {}", e.message())))
                    }
                };
                let node = relocate(
                    crate::parse::hcl::convert_expr(&hcl_edit::expr::Expression::StringTemplate(
                        tpl.into(),
                    )),
                    span,
                );
                let frame = Frame {
                    vars,
                    parent: Scope::default(),
                    relocate: false,
                };
                let sc = Scope {
                    frame: Some(&frame),
                    isolated: true,
                };
                let v = self.eval(&node, sc, file)?;
                let v = match v.value {
                    Value::String(_) | Value::Unknown(_) => v,
                    _ => match v.scalar_text() {
                        Some(s) => Node::new(Value::String(s), span),
                        None => {
                            return Err(EvalError("templatefile() result is not a string".into()))
                        }
                    },
                };
                Ok(self.with_policy(v, file, false))
            }
        }
    }
}

// ---- value helpers -------------------------------------------------------------------

fn obj(entries: &[(&str, Node)], span: Span) -> Node {
    Node::new(
        Value::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    (
                        Key {
                            name: k.to_string(),
                            span,
                        },
                        v.clone(),
                    )
                })
                .collect(),
        ),
        span,
    )
}

fn with_value(n: &Node, value: Value) -> Node {
    Node {
        value,
        span: n.span,
        meta: n.meta.clone(),
    }
}

fn has_dynamic(n: &Node) -> bool {
    matches!(&n.value, Value::List(l) if l.iter().any(|i| matches!(i.value, Value::Expr(Expr::Dynamic(_)))))
}

/// An unknown at `span` carrying the references of `v`.
fn unknown_like(v: &Node, span: Span) -> Node {
    let mut refs = Vec::new();
    v.collect_refs(&mut refs);
    let text = match &v.value {
        Value::Unknown(u) => u.text.clone(),
        _ => "a value that is not fully known".into(),
    };
    Node::new(Value::Unknown(Box::new(Unknown { text, refs })), span)
}

/// Map entries in Terraform's iteration order (lexical by key), as (key, value) nodes.
fn sorted_entries(m: &[(Key, Node)]) -> Vec<(Node, Node)> {
    let mut v: Vec<(Node, Node)> = m
        .iter()
        .map(|(k, v)| (Node::new(Value::String(k.name.clone()), k.span), v.clone()))
        .collect();
    v.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
    v
}

/// The (key, value) pairs a `for` or `dynamic` iterates over; `None` when unknown.
fn iter_items(coll: &Node) -> Result<Option<Vec<(Node, Node)>>, EvalError> {
    match &coll.value {
        Value::List(l) => Ok(Some(
            l.iter()
                .enumerate()
                .map(|(i, v)| (Node::new(Value::Number(i as f64), v.span), v.clone()))
                .collect(),
        )),
        Value::Map(m) => Ok(Some(sorted_entries(m))),
        Value::Unknown(_) | Value::Expr(_) => Ok(None),
        Value::Null => Err(EvalError("cannot iterate over null".into())),
        _ => Err(EvalError("cannot iterate over a single value".into())),
    }
}

fn as_bool(n: &Node) -> Result<Option<bool>, EvalError> {
    match &n.value {
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) if s == "true" => Ok(Some(true)),
        Value::String(s) if s == "false" => Ok(Some(false)),
        Value::Unknown(_) | Value::Expr(_) => Ok(None),
        _ => Err(EvalError("a condition must be true or false".into())),
    }
}

fn get_attr(v: Node, a: &str) -> R {
    match v.value {
        Value::Map(entries) => entries
            .into_iter()
            .find(|(k, _)| k.name == a)
            .map(|(_, v)| v)
            .ok_or_else(|| EvalError(format!("no attribute `{a}`"))),
        Value::Null => Err(EvalError(format!("attribute `{a}` of null"))),
        _ => Err(EvalError(format!(
            "attribute `{a}` of a value that is not an object"
        ))),
    }
}

fn index(v: Node, k: &Node) -> R {
    match v.value {
        Value::List(items) => {
            let i = functions::num(k)?;
            if i < 0.0 || i.fract() != 0.0 || i as usize >= items.len() {
                return Err(EvalError(format!(
                    "index {} out of range",
                    crate::model::format_number(i)
                )));
            }
            Ok(items
                .into_iter()
                .nth(i as usize)
                .unwrap_or_else(|| Node::new(Value::Null, k.span)))
        }
        Value::Map(entries) => {
            let key = functions::text(k)?;
            entries
                .into_iter()
                .find(|(kk, _)| kk.name == key)
                .map(|(_, v)| v)
                .ok_or_else(|| EvalError(format!("no element {key:?}")))
        }
        Value::Null => Err(EvalError("index into null".into())),
        _ => Err(EvalError(
            "index into a value that is not a collection".into(),
        )),
    }
}

fn binary(op: BinaryOp, l: &Node, r: &Node, span: Span) -> R {
    let unknown = || {
        let mut refs = Vec::new();
        l.collect_refs(&mut refs);
        r.collect_refs(&mut refs);
        Node::unknown("operator expression", refs, span)
    };
    let b = |v: bool| Ok(Node::new(Value::Bool(v), span));
    match op {
        BinaryOp::And | BinaryOp::Or => {
            let (x, y) = (as_bool(l)?, as_bool(r)?);
            // The value that decides the result alone: false for &&, true for ||.
            let decided = op != BinaryOp::And;
            // `false && unknown` is false whatever the unknown is: not a guess.
            if x == Some(decided) || y == Some(decided) {
                return b(decided);
            }
            match (x, y) {
                (Some(_), Some(_)) => b(!decided),
                _ => Ok(unknown()),
            }
        }
        BinaryOp::Eq | BinaryOp::NotEq => match functions::value_eq(l, r) {
            Some(eq) => b(if op == BinaryOp::Eq { eq } else { !eq }),
            None => Ok(unknown()),
        },
        _ => {
            if l.is_unknown() || r.is_unknown() {
                return Ok(unknown());
            }
            let (x, y) = (functions::num(l)?, functions::num(r)?);
            let n = |v: f64| Ok(Node::new(Value::Number(v), span));
            match op {
                BinaryOp::Less => b(x < y),
                BinaryOp::LessEq => b(x <= y),
                BinaryOp::Greater => b(x > y),
                BinaryOp::GreaterEq => b(x >= y),
                BinaryOp::Add => n(x + y),
                BinaryOp::Sub => n(x - y),
                BinaryOp::Mul => n(x * y),
                BinaryOp::Div if y == 0.0 => Err(EvalError("division by zero".into())),
                BinaryOp::Div => n(x / y),
                BinaryOp::Mod if y == 0.0 => Err(EvalError("modulo by zero".into())),
                BinaryOp::Mod => n(x % y),
                _ => unreachable!("logical and equality operators are handled above"),
            }
        }
    }
}

/// A value of `each`, `count` or a dynamic iterator, reported where it is used; where it was
/// written becomes context.
fn from_binding(mut v: Node, span: Span, file: usize) -> Node {
    if v.span != span {
        remember_origin(&mut v, file);
    }
    relocate(v, span)
}

/// Records, on a value and everything in it, where it is written (`file`, unless a node
/// carries its own), before it is relocated to where it is used.
fn remember_origin(n: &mut Node, file: usize) {
    if !n.span.is_empty() && !n.is_unknown() {
        let origin = n.span;
        let m = n.meta_mut();
        let at = (m.file.unwrap_or(file), origin);
        if !m.via.contains(&at) {
            m.via.insert(0, at);
        }
    }
    match &mut n.value {
        Value::List(items) => items.iter_mut().for_each(|i| remember_origin(i, file)),
        Value::Map(entries) => entries
            .iter_mut()
            .for_each(|(_, v)| remember_origin(v, file)),
        _ => {}
    }
}

/// Gives a value (its children, and expressions inside it) the span of the place that uses
/// it. Structures attached as metadata keep their own spans (they carry their file).
pub fn relocate(mut n: Node, span: Span) -> Node {
    relocate_in_place(&mut n, span);
    n
}

fn relocate_in_place(n: &mut Node, span: Span) {
    n.span = span;
    if let Some(m) = &mut n.meta {
        m.file = None;
        // A sensitive document points where it is used, never into where it is written.
        if m.sensitive {
            if let Some(st) = &mut m.structured {
                relocate_in_place(st, span);
            }
        }
    }
    match &mut n.value {
        Value::List(items) => items.iter_mut().for_each(|i| relocate_in_place(i, span)),
        Value::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                k.span = span;
                relocate_in_place(v, span);
            }
        }
        Value::Expr(e) => e.children_mut(&mut |c| relocate_in_place(c, span)),
        _ => {}
    }
}

/// Marks a value and everything in it (including a decoded document) sensitive.
pub fn mark_sensitive(n: &mut Node) {
    let m = n.meta_mut();
    m.sensitive = true;
    m.via.clear();
    if let Some(st) = &mut m.structured {
        mark_sensitive(st);
    }
    match &mut n.value {
        Value::List(items) => items.iter_mut().for_each(mark_sensitive),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| mark_sensitive(v)),
        _ => {}
    }
}

/// Unknowns coming out of a module refer, from the caller's side, to the module call.
fn rewrite_refs(n: &mut Node, to: &str) {
    match &mut n.value {
        Value::Unknown(u) => {
            if !u.refs.is_empty() {
                u.refs = vec![to.to_string()];
            }
            if !u.text.contains(to) {
                u.text = format!("{} in {to}", u.text);
            }
        }
        Value::List(items) => items.iter_mut().for_each(|i| rewrite_refs(i, to)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| rewrite_refs(v, to)),
        _ => {}
    }
}

/// Counts nodes up to `limit`.
fn node_count(n: &Node, limit: usize) -> usize {
    fn walk(n: &Node, count: &mut usize, limit: usize) {
        *count += 1;
        if *count >= limit {
            return;
        }
        match &n.value {
            Value::List(items) => items.iter().for_each(|i| walk(i, count, limit)),
            Value::Map(entries) => entries.iter().for_each(|(_, v)| walk(v, count, limit)),
            _ => {}
        }
    }
    let mut c = 0;
    walk(n, &mut c, limit);
    c
}

/// Evaluation of expressions in a throwaway module, for unit tests of functions and
/// expression forms.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;
    use crate::resources::terraform::modules::{FileReader, ModuleFile};

    /// Evaluates `expr` in a root module made of `module_text` (which may declare variables,
    /// locals and data sources).
    pub fn eval_in(module_text: &str, expr: &str) -> R {
        let (blocks, _) = crate::parse::hcl::parse(module_text, &crate::parse::Limits::default())
            .expect("test module parses");
        let e = hcl_edit::parser::parse_expr(expr).expect("test expression parses");
        let node = crate::parse::hcl::convert_expr(&e);
        let mut dirs = BTreeMap::new();
        let dir = ModuleDir {
            dir: PathBuf::from("/nonexistent/root"),
            files: vec![ModuleFile {
                file: 0,
                blocks: blocks.into(),
            }],
            scanned: true,
            ..ModuleDir::default()
        };
        dirs.insert(dir.dir.clone(), ModuleDir::default());
        let files = FileReader::default();
        let texts = [module_text];
        let inputs = EvalInputs {
            texts: &texts,
            workspace: "staging",
            cli_vars: &[],
            env_vars: &[],
            files: &files,
            max_eval_depth: crate::parse::Limits::default().max_eval_depth,
        };
        let shared = Shared {
            dirs: &dirs,
            inputs: &inputs,
        };
        let tree = Tree {
            shared: &shared,
            root: &dir,
            notes: RefCell::new(Vec::new()),
            reached: RefCell::new(BTreeSet::new()),
            groups: Cell::new(0),
            steps: Cell::new(0),
            expr_depth: Cell::new(0),
        };
        let inst = Instance::new(&tree, &dir, Vec::new(), Vec::new(), None);
        // The expression is not in the module text: evaluate it as if in another file.
        inst.eval(&node, Scope::default(), 1)
    }

    /// Evaluates `expr` with no module context.
    pub fn eval(expr: &str) -> R {
        eval_in("", expr)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{eval, eval_in};
    use crate::model::Value;
    use crate::resources::terraform::functions::to_json;
    use serde_json::json;

    fn j(expr: &str) -> serde_json::Value {
        let v = eval(expr).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
        to_json(&v).unwrap_or_else(|| panic!("{expr} is not wholly known: {v:?}"))
    }

    fn unknown(expr: &str) -> bool {
        matches!(eval(expr).map(|v| v.value), Ok(Value::Unknown(_)))
    }

    #[test]
    fn conditionals() {
        assert_eq!(j(r#"true ? "a" : "b""#), json!("a"));
        assert_eq!(j(r#"1 > 2 ? "a" : "b""#), json!("b"));
        assert!(unknown(r#"aws_s3_bucket.b.id == "x" ? "a" : "b""#));
        assert!(eval(r#""nope" ? 1 : 2"#).is_err());
    }

    #[test]
    fn for_expressions() {
        assert_eq!(j("[for x in [1, 2, 3] : x * 2 if x != 2]"), json!([2, 6]));
        assert_eq!(
            j(r#"{for k, v in {a = 1, b = 2} : upper(k) => v}"#),
            json!({"A": 1, "B": 2})
        );
        assert_eq!(
            j(r#"{for s in ["a1", "a2", "b1"] : substr(s, 0, 1) => s...}"#),
            json!({"a": ["a1", "a2"], "b": ["b1"]})
        );
        assert_eq!(j("[for i, v in [\"x\", \"y\"] : i]"), json!([0, 1]));
        assert!(unknown("[for x in var_unknown.list : x]"));
        assert!(
            eval(r#"{for s in ["a", "a"] : s => s}"#).is_err(),
            "duplicate keys"
        );
    }

    #[test]
    fn splat_index_and_attribute_access() {
        assert_eq!(j(r#"[{n = "a"}, {n = "b"}][*].n"#), json!(["a", "b"]));
        assert_eq!(
            j(r#"[{n = ["a"]}, {n = ["b"]}][*].n[0]"#),
            json!(["a", "b"])
        );
        assert_eq!(j(r#"[{n = "a"}, {n = "b"}].*.n"#), json!(["a", "b"]));
        assert_eq!(j(r#"{a = {b = ["x", "y"]}}.a.b[1]"#), json!("y"));
        assert_eq!(j(r#"{a = 1}["a"]"#), json!(1));
        assert_eq!(j("null[*]"), json!([]));
        assert_eq!(j(r#""single"[*]"#), json!(["single"]));
        assert!(eval(r#"{a = 1}.b"#).is_err());
        assert!(eval("[1][3]").is_err());
        assert!(unknown("aws_instance.web[*].id"));
    }

    #[test]
    fn operators() {
        assert_eq!(j("1 + 2 * 3 - 4 / 2"), json!(5));
        assert_eq!(j("7 % 3"), json!(1));
        assert_eq!(j("-(2)"), json!(-2));
        assert_eq!(j("!true"), json!(false));
        assert_eq!(j(r#""1" + 1"#), json!(2));
        assert_eq!(j(r#"1 == "1""#), json!(false));
        assert_eq!(j(r#"[1, "a"] == [1, "a"]"#), json!(true));
        // Known operands decide even when the other one is unknown: not a guess.
        assert_eq!(j("false && aws_s3_bucket.b.x"), json!(false));
        assert_eq!(j("true || aws_s3_bucket.b.x"), json!(true));
        assert!(unknown("true && aws_s3_bucket.b.x"));
        assert!(eval("1 / 0").is_err());
    }

    #[test]
    fn templates_and_directives() {
        assert_eq!(j(r#""a-${1 + 1}-${true}""#), json!("a-2-true"));
        assert_eq!(
            j(r#""%{ if 1 == 1 }yes%{ else }no%{ endif }""#),
            json!("yes")
        );
        assert_eq!(
            j(r#""%{ for x in ["a", "b"] }${x};%{ endfor }""#),
            json!("a;b;")
        );
        assert_eq!(j(r#""x %{~ if true ~} y %{~ endif ~} z""#), json!("xyz"));
        assert_eq!(
            j(r#""%{ for x in [1, 2] ~}
${x}
%{~ endfor }""#),
            json!("12")
        );
        assert_eq!(
            j(r#""${[1, 2]}""#),
            json!([1, 2]),
            "a lone interpolation is the value"
        );
        assert!(unknown(r#""arn:${aws_s3_bucket.b.arn}/*""#));
        assert!(eval(r#""${null}x""#).is_err());
    }

    #[test]
    fn variables_locals_path_and_workspace() {
        let m = r#"
variable "with_default" { default = "d" }
variable "number" {
  type    = number
  default = "8080"
}
variable "required" {}
locals {
  a = "${var.with_default}-x"
  b = local.a
  list = [for i in range(3) : i]
}
"#;
        let ev = |e: &str| to_json(&eval_in(m, e).unwrap());
        assert_eq!(ev("local.b"), Some(json!("d-x")));
        assert_eq!(ev("var.number + 1"), Some(json!(8081)));
        assert_eq!(ev("local.list"), Some(json!([0, 1, 2])));
        assert_eq!(ev("terraform.workspace"), Some(json!("staging")));
        assert_eq!(ev("path.module"), Some(json!(".")));
        assert_eq!(ev("var.required"), None, "no default: unknown");
        assert!(eval_in(m, "var.undeclared").is_err());
        assert!(eval_in(m, "local.undefined").is_err());
    }

    #[test]
    fn cycles_are_unknown_not_hangs() {
        let m = "locals {\n  a = local.b\n  b = local.a\n  c = [local.c]\n}\n";
        for e in ["local.a", "local.b", "local.c[0]"] {
            match eval_in(m, e).map(|v| v.value) {
                Ok(Value::Unknown(u)) => assert!(u.text.contains("cycle"), "{e}: {}", u.text),
                other => panic!("{e}: {other:?}"),
            }
        }
    }

    #[test]
    fn doubling_locals_are_bounded() {
        // Each local doubles the previous one: 2^40 elements if built naively.
        let mut m = String::from("locals {\n  l0 = [1, 2]\n");
        for i in 1..=40 {
            m.push_str(&format!(
                "  l{i} = concat(local.l{}, local.l{})\n",
                i - 1,
                i - 1
            ));
        }
        m.push_str("}\n");
        let v = eval_in(&m, "local.l40").unwrap();
        assert!(matches!(v.value, Value::Unknown(_)), "{:?}", v.value);
    }

    #[test]
    fn policy_documents_from_data_sources() {
        let m = r#"
data "aws_iam_policy_document" "d" {
  count = 1
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::1:root"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["true"]
    }
  }
}
"#;
        let v = eval_in(m, "data.aws_iam_policy_document.d[0].json").unwrap();
        let text = v.as_str().expect("a known JSON string");
        let parsed: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            parsed,
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Action": ["s3:GetObject"],
                    "Resource": ["*"],
                    "Principal": {"AWS": ["arn:aws:iam::1:root"]},
                    "Condition": {"Bool": {"aws:SecureTransport": ["true"]}}
                }]
            })
        );
        let st = v.structured().expect("structure attached");
        let action = st
            .get_path(&["Statement"])
            .and_then(|s| s.as_list())
            .unwrap()[0]
            .get("Action")
            .unwrap();
        assert_eq!(
            &m[action.span.start..action.span.end],
            r#"["s3:GetObject"]"#
        );
        assert_eq!(action.meta.as_ref().and_then(|m| m.file), Some(0));
    }
}
