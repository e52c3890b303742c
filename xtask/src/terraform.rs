//! Terraform modules: a directory of `.tf` files (main.tf, variables.tf, outputs.tf, and some of
//! versions.tf, locals.tf, providers.tf and themed resource files) plus, in some modules, a
//! terraform.tfvars.

use crate::hcl::{q, ql, Hcl};
use crate::rng::Rng;
use crate::Stats;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Cloud {
    Aws,
    Azure,
    Gcp,
}

impl Cloud {
    pub fn slug(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Theme {
    Network,
    Iam,
    Storage,
    Database,
    Compute,
    Security,
    Monitoring,
    Messaging,
}

const THEME_FILES: &[(&str, Theme)] = &[
    ("network.tf", Theme::Network),
    ("iam.tf", Theme::Iam),
    ("storage.tf", Theme::Storage),
    ("database.tf", Theme::Database),
    ("compute.tf", Theme::Compute),
    ("security.tf", Theme::Security),
    ("monitoring.tf", Theme::Monitoring),
    ("messaging.tf", Theme::Messaging),
];

type Gen = fn(&mut Module, &mut Hcl);

struct Var {
    name: String,
    ty: String,
    default: Option<String>,
    desc: String,
    sensitive: bool,
}

pub struct Module {
    rng: Rng,
    pct: f64,
    cloud: Cloud,
    service: String,
    env: String,
    vars: Vec<Var>,
    outputs: Vec<(String, String, String)>,
    used: Vec<String>,
    stats: Stats,
    log_bucket: Option<String>,
    kms: Option<String>,
    vpc: Option<String>,
    sg: Option<String>,
    subnet_group: Option<String>,
    role: Option<String>,
    rg: Option<String>,
    network: Option<String>,
    sa: Option<String>,
    need_caller: bool,
    need_canonical: bool,
    need_azs: bool,
}

pub struct ModuleSpec<'a> {
    pub cloud: Cloud,
    pub service: &'a str,
    pub env: &'a str,
    /// Number of .tf files (3..).
    pub tf_files: usize,
    pub tfvars: bool,
    /// Root module: provider configuration and calls to these module sources.
    pub calls: Option<Vec<String>>,
}

const REGIONS: &[&str] = &[
    "eu-west-1",
    "us-east-1",
    "us-west-2",
    "eu-central-1",
    "ap-southeast-2",
];
const LOCATIONS: &[&str] = &["westeurope", "northeurope", "eastus2", "uksouth"];
const GCP_REGIONS: &[&str] = &["europe-west1", "us-central1", "us-east4", "asia-northeast1"];

/// Generates one module; returns (file name, text) pairs.
pub fn module(rng: Rng, pct: f64, spec: &ModuleSpec, stats: &mut Stats) -> Vec<(String, String)> {
    let mut m = Module {
        rng,
        pct,
        cloud: spec.cloud,
        service: spec.service.to_string(),
        env: spec.env.to_string(),
        vars: Vec::new(),
        outputs: Vec::new(),
        used: Vec::new(),
        stats: Stats::default(),
        log_bucket: None,
        kms: None,
        vpc: None,
        sg: None,
        subnet_group: None,
        role: None,
        rg: None,
        network: None,
        sa: None,
        need_caller: false,
        need_canonical: false,
        need_azs: false,
    };
    let files = m.build(spec);
    stats.add(&m.stats);
    files
}

fn size_class(rng: &Rng) -> usize {
    match rng.weighted(&[35, 38, 20, 5, 2]) {
        0 => rng.range(3, 6),
        1 => rng.range(6, 12),
        2 => rng.range(12, 24),
        3 => rng.range(24, 40),
        _ => rng.range(60, 140),
    }
}

/// General-purpose inputs a module declares besides those its resources use.
const GENERIC_VARS: &[(&str, &str, &str, &str)] = &[
    (
        "extra_tags",
        "map(string)",
        "{}",
        "Additional tags merged into every resource.",
    ),
    (
        "enable_monitoring",
        "bool",
        "true",
        "Create dashboards and alarms.",
    ),
    (
        "log_retention_days",
        "number",
        "90",
        "Retention of the module's log groups, in days.",
    ),
    (
        "alarm_email",
        "string",
        "\"oncall@example.com\"",
        "Where alarm notifications go.",
    ),
    (
        "owner",
        "string",
        "\"platform\"",
        "Owning team, used in tags and alarm descriptions.",
    ),
    (
        "cost_center",
        "string",
        "\"cc-0000\"",
        "Cost center for billing reports.",
    ),
    (
        "enable_deletion_protection",
        "bool",
        "true",
        "Protect stateful resources from deletion.",
    ),
    (
        "maintenance_window",
        "string",
        "\"sun:04:00-sun:05:00\"",
        "Weekly maintenance window (UTC).",
    ),
    (
        "backup_schedule",
        "string",
        "\"cron(0 3 * * ? *)\"",
        "Schedule of the backup plan.",
    ),
    (
        "allowed_account_ids",
        "list(string)",
        "[]",
        "Accounts allowed to assume the module's roles.",
    ),
    (
        "feature_flags",
        "map(bool)",
        "{\n  new_pipeline = false\n  audit_export = true\n}",
        "Feature toggles for staged rollouts.",
    ),
    (
        "scaling",
        "object({\n    min = number\n    max = number\n  })",
        "{\n  min = 1\n  max = 4\n}",
        "Autoscaling bounds.",
    ),
];

impl Module {
    fn build(&mut self, spec: &ModuleSpec) -> Vec<(String, String)> {
        let live = spec.calls.is_some();
        self.var(
            "project",
            "string",
            Some(q(&self.service.clone())),
            "Project name, used as a prefix for resource names.",
        );
        self.var(
            "environment",
            "string",
            Some(q(&self.env.clone())),
            "Deployment environment (dev, staging, prod).",
        );
        match self.cloud {
            Cloud::Aws => {
                let r = self.rng.pick(REGIONS);
                self.var("region", "string", Some(q(r)), "AWS region.");
            }
            Cloud::Azure => {
                let l = self.rng.pick(LOCATIONS);
                self.var(
                    "location",
                    "string",
                    Some(q(l)),
                    "Azure region for all resources.",
                );
            }
            Cloud::Gcp => {
                let p = format!("{}-{}-{}", self.service, self.env, self.rng.range(100, 999));
                self.var("gcp_project", "string", Some(q(&p)), "GCP project id.");
                let r = self.rng.pick(GCP_REGIONS);
                self.var("gcp_region", "string", Some(q(r)), "GCP region.");
            }
        }

        // Which files: main.tf, variables.tf, outputs.tf, then optional ones.
        let mut optional: Vec<&str> = if live {
            vec!["versions.tf", "providers.tf", "locals.tf", "backend.tf"]
        } else {
            vec!["versions.tf", "locals.tf"]
        };
        let mut themes: Vec<(&str, Theme)> = THEME_FILES.to_vec();
        for i in (1..themes.len()).rev() {
            let j = self.rng.below(i + 1);
            themes.swap(i, j);
        }
        let extra = spec.tf_files.saturating_sub(3);
        let mut chosen_opt = Vec::new();
        let mut chosen_themes = Vec::new();
        for _ in 0..extra {
            if !optional.is_empty()
                && (chosen_themes.len() >= themes.len() || self.rng.chance(55.0))
            {
                chosen_opt.push(optional.remove(0));
            } else if chosen_themes.len() < themes.len() {
                chosen_themes.push(themes[chosen_themes.len()]);
            } else {
                chosen_opt.push("extra.tf");
            }
        }
        let has_locals = chosen_opt.contains(&"locals.tf");
        let mut files: Vec<(String, String)> = Vec::new();

        // main.tf
        let mut h = Hcl::new();
        if !has_locals {
            self.locals(&mut h);
        }
        if live {
            if !chosen_opt.contains(&"providers.tf") {
                self.providers(&mut h);
            }
            for src in spec.calls.as_ref().unwrap() {
                self.module_call(&mut h, src);
            }
        }
        for _ in 0..self.rng.range(2, 9) {
            let (name, ty, default, desc) = self.rng.pick(GENERIC_VARS);
            self.var(name, ty, Some(default.to_string()), desc);
        }
        let groups = if live {
            self.rng.range(2, 8)
        } else {
            size_class(&self.rng)
        };
        for _ in 0..groups {
            self.group(&mut h, None);
        }
        let main_at = files.len();
        files.push(("main.tf".into(), String::new()));
        let mut main = Some(h);

        let mut extra_n = 0;
        for (name, theme) in &chosen_themes {
            let mut h = Hcl::new();
            for _ in 0..self.rng.range(1, 6) {
                self.group(&mut h, Some(*theme));
            }
            files.push((name.to_string(), finish(h)));
        }
        for name in &chosen_opt {
            let mut h = Hcl::new();
            match *name {
                "versions.tf" => self.versions(&mut h, live && !chosen_opt.contains(&"backend.tf")),
                "providers.tf" => self.providers(&mut h),
                "locals.tf" => self.locals(&mut h),
                "backend.tf" => self.backend(&mut h),
                _ => {
                    extra_n += 1;
                    for _ in 0..self.rng.range(1, 3) {
                        self.group(&mut h, None);
                    }
                }
            }
            let fname = if *name == "extra.tf" {
                format!("extra_{extra_n}.tf")
            } else {
                name.to_string()
            };
            files.push((fname, finish(h)));
        }
        // Data sources that some resource referred to (declared once, in main.tf).
        let mut h = main.take().unwrap();
        if self.need_caller {
            self.data(&mut h, "aws_caller_identity", "current");
            h.close();
            h.blank();
        }
        if self.need_canonical {
            self.data(&mut h, "aws_canonical_user_id", "current");
            h.close();
            h.blank();
        }
        if self.need_azs {
            self.data(&mut h, "aws_availability_zones", "available");
            h.s("state", "available");
            h.close();
            h.blank();
        }
        files[main_at].1 = finish(h);
        files.push(("variables.tf".into(), self.variables_tf()));
        files.push(("outputs.tf".into(), self.outputs_tf()));
        if spec.tfvars {
            files.push(("terraform.tfvars".into(), self.tfvars()));
        }
        files
    }

    // ---- bookkeeping -------------------------------------------------------------------

    fn bad(&mut self) -> bool {
        self.stats.checked += 1;
        let b = self.rng.chance(self.pct);
        if b {
            self.stats.insecure += 1;
        }
        b
    }

    fn var(&mut self, name: &str, ty: &str, default: Option<String>, desc: &str) -> String {
        if !self.vars.iter().any(|v| v.name == name) {
            self.vars.push(Var {
                name: name.into(),
                ty: ty.into(),
                default,
                desc: desc.into(),
                sensitive: false,
            });
        }
        format!("var.{name}")
    }

    fn secret_var(&mut self, name: &str, desc: &str) -> String {
        if !self.vars.iter().any(|v| v.name == name) {
            self.vars.push(Var {
                name: name.into(),
                ty: "string".into(),
                default: None,
                desc: desc.into(),
                sensitive: true,
            });
        }
        format!("var.{name}")
    }

    fn output(&mut self, name: &str, value: &str, desc: &str) {
        if !self.outputs.iter().any(|o| o.0 == name) {
            self.outputs.push((name.into(), value.into(), desc.into()));
        }
    }

    fn unique(&mut self, ty: &str, base: &str) -> String {
        let mut name = base.to_string();
        let mut i = 2;
        while self.used.contains(&format!("{ty}.{name}")) {
            name = format!("{base}_{i}");
            i += 1;
        }
        self.used.push(format!("{ty}.{name}"));
        name
    }

    /// Opens `resource "ty" "name" {` and returns the name.
    fn res(&mut self, h: &mut Hcl, ty: &str, base: &str) -> String {
        let name = self.unique(ty, base);
        self.stats.resources += 1;
        match self.rng.below(40) {
            0 => h.comment(&format!(
                "{} for the {} service",
                ty.replace('_', " "),
                self.service
            )),
            1 => h.raw(&format!("// {name}: see docs/{}.md", self.service)),
            2 => h.raw(&format!(
                "/*\n  {name}\n  Changing this resource forces replacement.\n*/"
            )),
            _ => {}
        }
        h.block(&format!("resource {} {}", q(ty), q(&name)));
        name
    }

    fn end(&mut self, h: &mut Hcl) {
        h.close();
        h.blank();
    }

    fn data(&mut self, h: &mut Hcl, ty: &str, base: &str) -> String {
        let name = self.unique(&format!("data.{ty}"), base);
        h.block(&format!("data {} {}", q(ty), q(&name)));
        name
    }

    fn pname(&self, suffix: &str) -> String {
        format!("${{local.name_prefix}}-{}", suffix.replace('_', "-"))
    }

    fn tags(&mut self, h: &mut Hcl, name: &str) {
        let key = if self.cloud == Cloud::Gcp {
            "labels"
        } else {
            "tags"
        };
        let common = if self.cloud == Cloud::Gcp {
            "local.common_labels"
        } else {
            "local.common_tags"
        };
        match self.rng.below(4) {
            0 => {
                h.a(key, common);
            }
            1 | 2 => {
                h.blank();
                h.open(&format!("{key} = merge({common}, "));
                if self.cloud == Cloud::Gcp {
                    h.s("name", &name.replace('_', "-"));
                } else {
                    h.s("Name", &self.pname(name));
                }
                if self.rng.chance(40.0) {
                    let tier = self.rng.pick(&["frontend", "backend", "data", "shared"]);
                    h.s(
                        if self.cloud == Cloud::Gcp {
                            "tier"
                        } else {
                            "Tier"
                        },
                        tier,
                    );
                }
                h.close_with("}", ")");
            }
            _ => {
                h.blank();
                h.open(&format!("{key} = "));
                if self.cloud == Cloud::Gcp {
                    h.a("environment", "var.environment");
                    h.a("project", "var.project");
                    h.s("managed-by", "terraform");
                } else {
                    h.s("Name", &self.pname(name));
                    h.a("Environment", "var.environment");
                    h.a("Project", "var.project");
                    h.s("ManagedBy", "terraform");
                }
                h.close();
            }
        }
    }

    // ---- module-level files ------------------------------------------------------------

    fn locals(&mut self, h: &mut Hcl) {
        h.open("locals ");
        h.s("name_prefix", "${var.project}-${var.environment}");
        let team = self.rng.pick(TEAMS);
        h.blank();
        if self.cloud == Cloud::Gcp {
            h.open("common_labels = ");
            h.a("project", "var.project");
            h.a("environment", "var.environment");
            h.s("team", team);
            h.s("managed-by", "terraform");
            h.close();
        } else {
            h.open("common_tags = ");
            h.a("Project", "var.project");
            h.a("Environment", "var.environment");
            h.s("Team", team);
            h.s("ManagedBy", "terraform");
            h.s("CostCenter", &format!("cc-{}", self.rng.range(1000, 9999)));
            h.close();
        }
        if self.rng.chance(50.0) {
            h.blank();
            h.a("is_production", "var.environment == \"prod\"");
            if self.cloud == Cloud::Aws {
                h.a(
                    "azs",
                    "slice(data.aws_availability_zones.available.names, 0, 3)",
                );
                self.need_azs = true;
            } else {
                h.a("azs", "[\"1\", \"2\", \"3\"]");
            }
        }
        if self.rng.chance(30.0) {
            h.a(
                "subnet_cidrs",
                "[for i in range(3) : cidrsubnet(\"10.0.0.0/16\", 8, i)]",
            );
        }
        h.close();
        h.blank();
    }

    fn versions(&mut self, h: &mut Hcl, backend: bool) {
        h.open("terraform ");
        h.s(
            "required_version",
            self.rng.pick(&[">= 1.3.0", ">= 1.5", "~> 1.6"]),
        );
        h.blank();
        h.open("required_providers ");
        match self.cloud {
            Cloud::Aws => {
                h.open("aws = ");
                h.s("source", "hashicorp/aws");
                h.s(
                    "version",
                    self.rng.pick(&[">= 4.0", "~> 5.0", ">= 5.20, < 6.0"]),
                );
                h.close();
            }
            Cloud::Azure => {
                h.open("azurerm = ");
                h.s("source", "hashicorp/azurerm");
                h.s("version", self.rng.pick(&["~> 3.80", ">= 3.0", "~> 4.0"]));
                h.close();
            }
            Cloud::Gcp => {
                h.open("google = ");
                h.s("source", "hashicorp/google");
                h.s("version", self.rng.pick(&["~> 5.0", ">= 4.80"]));
                h.close();
            }
        }
        if self.rng.chance(40.0) {
            h.open("random = ");
            h.s("source", "hashicorp/random");
            h.s("version", "~> 3.5");
            h.close();
        }
        h.close();
        if backend {
            h.blank();
            self.backend_inner(h);
        }
        h.close();
    }

    fn backend(&mut self, h: &mut Hcl) {
        h.open("terraform ");
        self.backend_inner(h);
        h.close();
    }

    fn backend_inner(&mut self, h: &mut Hcl) {
        match self.cloud {
            Cloud::Aws => {
                h.block("backend \"s3\"");
                h.s(
                    "bucket",
                    &format!("tfstate-{}-{}", self.service, self.rng.hex(6)),
                );
                h.s(
                    "key",
                    &format!("{}/{}/terraform.tfstate", self.env, self.service),
                );
                h.s("region", "eu-west-1");
                h.s("dynamodb_table", "terraform-locks");
                h.a("encrypt", "true");
                h.close();
            }
            Cloud::Azure => {
                h.block("backend \"azurerm\"");
                h.s("resource_group_name", "rg-tfstate");
                h.s(
                    "storage_account_name",
                    &format!("sttfstate{}", self.rng.hex(6)),
                );
                h.s("container_name", "tfstate");
                h.s("key", &format!("{}.{}.tfstate", self.service, self.env));
                h.close();
            }
            Cloud::Gcp => {
                h.block("backend \"gcs\"");
                h.s("bucket", &format!("tfstate-{}", self.rng.hex(8)));
                h.s("prefix", &format!("{}/{}", self.env, self.service));
                h.close();
            }
        }
    }

    fn providers(&mut self, h: &mut Hcl) {
        match self.cloud {
            Cloud::Aws => {
                h.block("provider \"aws\"");
                h.a("region", "var.region");
                h.blank();
                h.block("default_tags");
                h.a("tags", "local.common_tags");
                h.close();
                h.close();
                if self.rng.chance(40.0) {
                    h.blank();
                    h.block("provider \"aws\"");
                    h.s("alias", "us_east_1");
                    h.s("region", "us-east-1");
                    h.close();
                }
            }
            Cloud::Azure => {
                h.block("provider \"azurerm\"");
                h.block("features");
                h.block("key_vault");
                h.a("purge_soft_delete_on_destroy", "false");
                h.close();
                h.close();
                h.close();
            }
            Cloud::Gcp => {
                h.block("provider \"google\"");
                h.a("project", "var.gcp_project");
                h.a("region", "var.gcp_region");
                h.close();
            }
        }
        h.blank();
    }

    fn module_call(&mut self, h: &mut Hcl, src: &str) {
        let base = src.rsplit('/').next().unwrap_or("mod").replace('-', "_");
        let name = self.unique("module", &base);
        h.block(&format!("module {}", q(&name)));
        h.s("source", src);
        if src.contains("terraform-aws-modules") {
            h.s("version", self.rng.pick(&["5.1.2", "~> 5.0", "19.21.0"]));
        }
        h.blank();
        h.a("project", "var.project");
        h.a("environment", "var.environment");
        if self.rng.chance(30.0) {
            h.blank();
            h.open("tags = merge(local.common_tags, ");
            h.s("Component", &name);
            h.close_with("}", ")");
        }
        h.close();
        h.blank();
        self.output(
            &format!("{name}_id"),
            &format!("module.{name}.id"),
            "Id exported by the child module.",
        );
    }

    fn variables_tf(&mut self) -> String {
        let mut h = Hcl::new();
        let vars = std::mem::take(&mut self.vars);
        for v in &vars {
            h.block(&format!("variable {}", q(&v.name)));
            h.s("description", &v.desc);
            h.a("type", &v.ty);
            if let Some(d) = &v.default {
                if d.contains('\n') {
                    let mut lines = d.lines();
                    h.raw(&format!("default = {}", lines.next().unwrap_or("")));
                    let rest: Vec<&str> = lines.collect();
                    h.raw(&rest.join("\n"));
                } else {
                    h.a("default", d);
                }
            }
            if v.sensitive {
                h.a("sensitive", "true");
            }
            if v.name == "environment" {
                h.blank();
                h.block("validation");
                h.a(
                    "condition",
                    "contains([\"dev\", \"staging\", \"prod\"], var.environment)",
                );
                h.s(
                    "error_message",
                    "environment must be one of dev, staging, prod.",
                );
                h.close();
            }
            h.close();
            h.blank();
        }
        self.vars = vars;
        finish(h)
    }

    fn outputs_tf(&mut self) -> String {
        let mut h = Hcl::new();
        if self.outputs.is_empty() {
            self.output(
                "name_prefix",
                "local.name_prefix",
                "Prefix of resource names.",
            );
        }
        for (name, value, desc) in &self.outputs {
            h.block(&format!("output {}", q(name)));
            h.s("description", desc);
            h.a("value", value);
            if name.contains("password") || name.contains("connection") {
                h.a("sensitive", "true");
            }
            h.close();
            h.blank();
        }
        finish(h)
    }

    fn tfvars(&mut self) -> String {
        let mut h = Hcl::new();
        h.comment(&format!("{} / {}", self.service, self.env));
        for v in &self.vars {
            match v.name.as_str() {
                "project" => {
                    h.s("project", &self.service);
                }
                "environment" => {
                    h.s("environment", &self.env);
                }
                "region" | "location" | "gcp_region" | "gcp_project" | "instance_type"
                | "db_instance_class" | "vm_size" | "node_count" => {
                    if let Some(d) = &v.default {
                        h.a(&v.name, d);
                    }
                }
                _ => {}
            }
        }
        if self.vars.iter().any(|v| v.name == "extra_tags") {
            h.blank();
            h.open("extra_tags = ");
            h.s("Owner", self.rng.pick(TEAMS));
            h.close();
        }
        finish(h)
    }

    // ---- resource groups ----------------------------------------------------------------

    fn gens(&self) -> &'static [(Theme, u32, Gen)] {
        match self.cloud {
            Cloud::Aws => AWS_GENS,
            Cloud::Azure => AZURE_GENS,
            Cloud::Gcp => GCP_GENS,
        }
    }

    fn group(&mut self, h: &mut Hcl, theme: Option<Theme>) {
        let gens = self.gens();
        let pool: Vec<&(Theme, u32, Gen)> = match theme {
            Some(t) if gens.iter().any(|g| g.0 == t) => gens.iter().filter(|g| g.0 == t).collect(),
            _ => gens.iter().collect(),
        };
        let weights: Vec<u32> = pool.iter().map(|g| g.1).collect();
        let i = self.rng.weighted(&weights);
        (pool[i].2)(self, h);
    }
}

fn finish(h: Hcl) -> String {
    let mut t = h.finish();
    while t.ends_with("\n\n") {
        t.pop();
    }
    if t.is_empty() {
        t.push_str("# intentionally empty\n");
    }
    t
}

pub const TEAMS: &[&str] = &[
    "platform", "payments", "data", "identity", "growth", "search", "sre", "security", "mobile",
    "core",
];

static AWS_GENS: &[(Theme, u32, Gen)] = &[
    (Theme::Storage, 14, Module::aws_s3),
    (Theme::Network, 10, Module::aws_sg),
    (Theme::Network, 5, Module::aws_sg_rule),
    (Theme::Network, 5, Module::aws_vpc_ingress),
    (Theme::Network, 4, Module::aws_vpc),
    (Theme::Database, 7, Module::aws_db),
    (Theme::Database, 3, Module::aws_rds_cluster),
    (Theme::Database, 4, Module::aws_dynamodb),
    (Theme::Compute, 5, Module::aws_ebs),
    (Theme::Compute, 7, Module::aws_instance),
    (Theme::Compute, 3, Module::aws_launch_template),
    (Theme::Compute, 3, Module::aws_lambda),
    (Theme::Compute, 3, Module::aws_eks),
    (Theme::Security, 5, Module::aws_kms),
    (Theme::Security, 3, Module::aws_cloudtrail),
    (Theme::Messaging, 4, Module::aws_sqs),
    (Theme::Messaging, 4, Module::aws_sns),
    (Theme::Storage, 3, Module::aws_ecr),
    (Theme::Iam, 7, Module::aws_iam),
    (Theme::Monitoring, 5, Module::aws_monitoring),
];

static AZURE_GENS: &[(Theme, u32, Gen)] = &[
    (Theme::Storage, 10, Module::az_storage),
    (Theme::Network, 8, Module::az_nsg),
    (Theme::Network, 4, Module::az_nsg_rule),
    (Theme::Network, 5, Module::az_vnet),
    (Theme::Security, 5, Module::az_key_vault),
    (Theme::Database, 5, Module::az_mssql),
    (Theme::Compute, 5, Module::az_vm),
    (Theme::Compute, 2, Module::az_aks),
    (Theme::Monitoring, 3, Module::az_log_analytics),
];

static GCP_GENS: &[(Theme, u32, Gen)] = &[
    (Theme::Network, 9, Module::gcp_firewall),
    (Theme::Network, 4, Module::gcp_network),
    (Theme::Storage, 9, Module::gcp_bucket),
    (Theme::Compute, 6, Module::gcp_instance),
    (Theme::Compute, 3, Module::gcp_gke),
    (Theme::Database, 5, Module::gcp_sql),
    (Theme::Iam, 4, Module::gcp_iam),
    (Theme::Security, 3, Module::gcp_kms),
    (Theme::Messaging, 3, Module::gcp_pubsub),
];

const S3_NAMES: &[&str] = &[
    "data",
    "assets",
    "artifacts",
    "backups",
    "uploads",
    "exports",
    "reports",
    "static_site",
    "media",
    "archive",
    "raw",
    "curated",
];

impl Module {
    // ---- AWS ----------------------------------------------------------------------------

    fn ensure_kms(&mut self, h: &mut Hcl) -> String {
        if let Some(k) = &self.kms {
            return k.clone();
        }
        let name = self.res(h, "aws_kms_key", "main");
        h.s(
            "description",
            &format!("{} {} encryption key", self.service, self.env),
        );
        h.a("deletion_window_in_days", "30");
        h.a("enable_key_rotation", "true");
        self.key_policy(h);
        self.tags(h, &name);
        self.end(h);
        self.res(h, "aws_kms_alias", &name);
        h.s("name", &format!("alias/${{local.name_prefix}}-{name}"));
        h.a("target_key_id", format!("aws_kms_key.{name}.key_id"));
        self.end(h);
        self.kms = Some(name.clone());
        self.output(
            "kms_key_arn",
            &format!("aws_kms_key.{name}.arn"),
            "ARN of the module's KMS key.",
        );
        name
    }

    fn key_policy(&mut self, h: &mut Hcl) {
        h.blank();
        h.open("policy = jsonencode(");
        h.s("Version", "2012-10-17");
        h.s("Id", "key-default-1");
        h.open_list("Statement = ");
        h.open("");
        h.s("Sid", "EnableRootPermissions");
        h.s("Effect", "Allow");
        h.open("Principal = ");
        h.s(
            "AWS",
            "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root",
        );
        h.close();
        h.s("Action", "kms:*");
        h.s("Resource", "*");
        h.close_with("}", ",");
        h.open("");
        h.s("Sid", "AllowServiceUse");
        h.s("Effect", "Allow");
        h.open("Principal = ");
        h.s(
            "Service",
            self.rng.pick(&[
                "logs.amazonaws.com",
                "s3.amazonaws.com",
                "cloudtrail.amazonaws.com",
                "sns.amazonaws.com",
            ]),
        );
        h.close();
        h.a(
            "Action",
            ql(&[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ]),
        );
        h.s("Resource", "*");
        h.close_with("}", ",");
        h.close_with("]", "");
        h.close_with("}", ")");
        self.caller_identity();
    }

    fn caller_identity(&mut self) {
        self.need_caller = true;
    }

    fn ensure_log_bucket(&mut self, h: &mut Hcl) -> String {
        if let Some(b) = &self.log_bucket {
            return b.clone();
        }
        let name = self.res(h, "aws_s3_bucket", "access_logs");
        h.s(
            "bucket",
            "${local.name_prefix}-access-logs-${data.aws_caller_identity.current.account_id}",
        );
        self.caller_identity();
        self.tags(h, &name);
        self.end(h);
        let oc = self.res(h, "aws_s3_bucket_ownership_controls", &name);
        h.a("bucket", format!("aws_s3_bucket.{name}.id"));
        h.blank();
        h.block("rule");
        h.s("object_ownership", "BucketOwnerPreferred");
        h.close();
        self.end(h);
        self.res(h, "aws_s3_bucket_acl", &name);
        h.a("bucket", format!("aws_s3_bucket.{name}.id"));
        h.s("acl", "log-delivery-write");
        h.blank();
        h.a(
            "depends_on",
            format!("[aws_s3_bucket_ownership_controls.{oc}]"),
        );
        self.end(h);
        self.s3_versioning(h, &name, "Enabled");
        self.s3_sse(h, &name, None);
        self.s3_pab(h, &name, None);
        self.log_bucket = Some(name.clone());
        name
    }

    fn s3_versioning(&mut self, h: &mut Hcl, bucket: &str, status: &str) {
        self.res(h, "aws_s3_bucket_versioning", bucket);
        h.a("bucket", format!("aws_s3_bucket.{bucket}.id"));
        h.blank();
        h.block("versioning_configuration");
        h.s("status", status);
        h.close();
        self.end(h);
    }

    fn s3_sse(&mut self, h: &mut Hcl, bucket: &str, kms: Option<&str>) {
        self.res(
            h,
            "aws_s3_bucket_server_side_encryption_configuration",
            bucket,
        );
        h.a("bucket", format!("aws_s3_bucket.{bucket}.id"));
        h.blank();
        h.block("rule");
        h.block("apply_server_side_encryption_by_default");
        match kms {
            Some(k) => {
                h.a("kms_master_key_id", format!("aws_kms_key.{k}.arn"));
                h.s("sse_algorithm", "aws:kms");
            }
            None => {
                h.s("sse_algorithm", "AES256");
            }
        }
        h.close();
        if kms.is_some() {
            h.a("bucket_key_enabled", "true");
        }
        h.close();
        self.end(h);
    }

    /// `weak`: index (0..4) of a setting written as false.
    fn s3_pab(&mut self, h: &mut Hcl, bucket: &str, weak: Option<usize>) {
        self.res(h, "aws_s3_bucket_public_access_block", bucket);
        h.a("bucket", format!("aws_s3_bucket.{bucket}.id"));
        h.blank();
        for (i, k) in [
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        ]
        .iter()
        .enumerate()
        {
            h.a(k, if weak == Some(i) { "false" } else { "true" });
        }
        self.end(h);
    }

    fn aws_s3(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        // 0 public acl, 1 weak PAB, 2 versioning suspended, 3 no SSE, 4 no PAB, 5 no logging, 6 AllUsers grant
        let which = if bad { self.rng.below(7) } else { 99 };
        let legacy = self.rng.chance(25.0);
        let log = if which != 5 {
            Some(self.ensure_log_bucket(h))
        } else {
            None
        };
        let kms = if self.rng.chance(50.0) {
            Some(self.ensure_kms(h))
        } else {
            None
        };
        let base = self.rng.pick(S3_NAMES);
        let name = self.res(h, "aws_s3_bucket", base);
        let public_via_var = which == 0 && self.rng.chance(50.0);
        h.s("bucket", &self.pname(&name));
        if self.rng.chance(40.0) {
            h.a("force_destroy", "false");
        }
        if legacy {
            if which == 0 {
                if public_via_var {
                    let v = self.var(
                        &format!("{name}_acl"),
                        "string",
                        Some(q("public-read")),
                        "Canned ACL of the bucket.",
                    );
                    h.a("acl", v);
                } else {
                    h.s(
                        "acl",
                        self.rng
                            .pick(&["public-read", "public-read-write", "authenticated-read"]),
                    );
                }
            } else if which != 6 {
                h.s("acl", "private");
            }
            h.blank();
            h.block("versioning");
            h.a("enabled", if which == 2 { "false" } else { "true" });
            h.close();
            if which != 3 {
                h.blank();
                h.block("server_side_encryption_configuration");
                h.block("rule");
                h.block("apply_server_side_encryption_by_default");
                if let Some(k) = &kms {
                    h.a("kms_master_key_id", format!("aws_kms_key.{k}.arn"));
                    h.s("sse_algorithm", "aws:kms");
                } else {
                    h.s("sse_algorithm", "AES256");
                }
                h.close();
                h.close();
                h.close();
            }
            if let Some(l) = &log {
                h.blank();
                h.block("logging");
                h.a("target_bucket", format!("aws_s3_bucket.{l}.id"));
                h.s("target_prefix", &format!("s3/{name}/"));
                h.close();
            }
            if which == 6 {
                h.blank();
                h.block("grant");
                h.s("type", "Group");
                h.a("permissions", ql(&["READ"]));
                h.s("uri", "http://acs.amazonaws.com/groups/global/AllUsers");
                h.close();
                h.blank();
                self.need_canonical = true;
                h.block("grant");
                h.a("id", "data.aws_canonical_user_id.current.id");
                h.s("type", "CanonicalUser");
                h.a("permissions", ql(&["FULL_CONTROL"]));
                h.close();
            }
            if self.rng.chance(50.0) {
                h.blank();
                h.block("lifecycle_rule");
                h.s("id", "expire-noncurrent");
                h.a("enabled", "true");
                h.blank();
                h.block("noncurrent_version_expiration");
                h.a("days", self.rng.range(30, 365).to_string());
                h.close();
                h.close();
            }
        }
        self.tags(h, &name);
        if self.rng.chance(20.0) {
            h.blank();
            h.block("lifecycle");
            h.a("prevent_destroy", "true");
            h.close();
        }
        self.end(h);
        if !legacy {
            if which == 0 || which == 6 || self.rng.chance(40.0) {
                let oc = self.res(h, "aws_s3_bucket_ownership_controls", &name);
                h.a("bucket", format!("aws_s3_bucket.{name}.id"));
                h.blank();
                h.block("rule");
                h.s("object_ownership", "BucketOwnerPreferred");
                h.close();
                self.end(h);
                self.res(h, "aws_s3_bucket_acl", &name);
                h.a("bucket", format!("aws_s3_bucket.{name}.id"));
                if which == 6 {
                    h.blank();
                    h.block("access_control_policy");
                    h.block("grant");
                    h.block("grantee");
                    h.s("type", "Group");
                    h.s("uri", "http://acs.amazonaws.com/groups/global/AllUsers");
                    h.close();
                    h.s("permission", "READ");
                    h.close();
                    h.blank();
                    self.need_canonical = true;
                    h.block("owner");
                    h.a("id", "data.aws_canonical_user_id.current.id");
                    h.close();
                    h.close();
                } else if which == 0 {
                    if public_via_var {
                        let v = self.var(
                            &format!("{name}_acl"),
                            "string",
                            Some(q("public-read")),
                            "Canned ACL of the bucket.",
                        );
                        h.a("acl", v);
                    } else {
                        h.s(
                            "acl",
                            self.rng.pick(&[
                                "public-read",
                                "public-read-write",
                                "authenticated-read",
                            ]),
                        );
                    }
                } else {
                    h.s("acl", "private");
                }
                h.blank();
                h.a(
                    "depends_on",
                    format!("[aws_s3_bucket_ownership_controls.{oc}]"),
                );
                self.end(h);
            }
            self.s3_versioning(h, &name, if which == 2 { "Suspended" } else { "Enabled" });
            if which != 3 {
                self.s3_sse(h, &name, kms.as_deref());
            }
            if let Some(l) = &log {
                self.res(h, "aws_s3_bucket_logging", &name);
                h.a("bucket", format!("aws_s3_bucket.{name}.id"));
                h.blank();
                h.a("target_bucket", format!("aws_s3_bucket.{l}.id"));
                h.s("target_prefix", &format!("s3/{name}/"));
                self.end(h);
            }
            if self.rng.chance(35.0) {
                self.res(h, "aws_s3_bucket_lifecycle_configuration", &name);
                h.a("bucket", format!("aws_s3_bucket.{name}.id"));
                h.blank();
                h.block("rule");
                h.s("id", "archive");
                h.s("status", "Enabled");
                h.blank();
                h.block("filter");
                h.s("prefix", "logs/");
                h.close();
                h.blank();
                h.block("transition");
                h.a("days", self.rng.range(30, 90).to_string());
                h.s("storage_class", "STANDARD_IA");
                h.close();
                h.blank();
                h.block("transition");
                h.a("days", self.rng.range(120, 365).to_string());
                h.s("storage_class", "GLACIER");
                h.close();
                h.close();
                self.end(h);
            }
        }
        match which {
            4 => {}
            1 => {
                let w = self.rng.below(4);
                self.s3_pab(h, &name, Some(w));
            }
            _ => self.s3_pab(h, &name, None),
        }
        if self.rng.chance(40.0) {
            self.res(h, "aws_s3_bucket_policy", &name);
            h.a("bucket", format!("aws_s3_bucket.{name}.id"));
            h.blank();
            h.open("policy = jsonencode(");
            h.s("Version", "2012-10-17");
            h.open_list("Statement = ");
            h.open("");
            h.s("Sid", "DenyInsecureTransport");
            h.s("Effect", "Deny");
            h.s("Principal", "*");
            h.s("Action", "s3:*");
            h.open_list("Resource = ");
            h.raw(&format!(
                "aws_s3_bucket.{name}.arn,\n\"${{aws_s3_bucket.{name}.arn}}/*\","
            ));
            h.close_with("]", "");
            h.open("Condition = ");
            h.open("Bool = ");
            h.s("\"aws:SecureTransport\"", "false");
            h.close();
            h.close();
            h.close_with("}", ",");
            h.close_with("]", "");
            h.close_with("}", ")");
            self.end(h);
        }
        self.output(
            &format!("{name}_bucket_arn"),
            &format!("aws_s3_bucket.{name}.arn"),
            "ARN of the bucket.",
        );
    }

    fn ensure_vpc(&mut self) -> String {
        if let Some(v) = &self.vpc {
            return v.clone();
        }
        let v = self.var(
            "vpc_id",
            "string",
            Some(q(&format!("vpc-{}", self.rng.hex(17)))),
            "VPC to place resources in.",
        );
        self.vpc = Some(v.clone());
        v
    }

    fn ingress_block(&mut self, h: &mut Hcl, insecure: Option<usize>) {
        h.blank();
        h.block("ingress");
        match insecure {
            Some(0) | Some(1) => {
                let port = if insecure == Some(0) { "22" } else { "3389" };
                h.s("description", if port == "22" { "SSH" } else { "RDP" });
                h.a("from_port", port);
                h.a("to_port", port);
                h.s("protocol", "tcp");
                if self.rng.chance(30.0) {
                    let v = self.var(
                        "admin_cidr_blocks",
                        "list(string)",
                        Some(ql(&["0.0.0.0/0"])),
                        "CIDR blocks allowed to administer the instances.",
                    );
                    h.a("cidr_blocks", v);
                } else {
                    h.a("cidr_blocks", ql(&["0.0.0.0/0"]));
                }
            }
            Some(2) => {
                h.s("description", "all traffic");
                h.a("from_port", "0");
                h.a("to_port", "0");
                h.s("protocol", "-1");
                h.a("cidr_blocks", ql(&["0.0.0.0/0"]));
            }
            Some(_) => {
                h.s("description", "SSH over IPv6");
                h.a("from_port", "22");
                h.a("to_port", "22");
                h.s("protocol", "tcp");
                h.a("ipv6_cidr_blocks", ql(&["::/0"]));
            }
            None => match self.rng.below(5) {
                0 => {
                    h.s("description", "HTTPS from the internet");
                    h.a("from_port", "443");
                    h.a("to_port", "443");
                    h.s("protocol", "tcp");
                    h.a("cidr_blocks", ql(&["0.0.0.0/0"]));
                    h.a("ipv6_cidr_blocks", ql(&["::/0"]));
                }
                1 => {
                    h.s("description", "SSH from the corporate network");
                    h.a("from_port", "22");
                    h.a("to_port", "22");
                    h.s("protocol", "tcp");
                    h.a("cidr_blocks", ql(&["10.0.0.0/8", "172.16.0.0/12"]));
                }
                2 => {
                    let port = self.rng.pick(&["5432", "3306", "6379", "8080", "9092"]);
                    h.s("description", "service port from the VPC");
                    h.a("from_port", port);
                    h.a("to_port", port);
                    h.s("protocol", "tcp");
                    let v = self.var(
                        "vpc_cidr",
                        "string",
                        Some(q("10.20.0.0/16")),
                        "CIDR block of the VPC.",
                    );
                    h.a("cidr_blocks", format!("[{v}]"));
                }
                3 => {
                    h.s("description", "intra-group");
                    h.a("from_port", "0");
                    h.a("to_port", "65535");
                    h.s("protocol", "tcp");
                    h.a("self", "true");
                }
                _ => {
                    h.s("description", "HTTP redirect");
                    h.a("from_port", "80");
                    h.a("to_port", "80");
                    h.s("protocol", "tcp");
                    h.a("cidr_blocks", ql(&["0.0.0.0/0"]));
                }
            },
        }
        h.close();
    }

    fn aws_sg(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let vpc = self.ensure_vpc();
        let base = self.rng.pick(&[
            "web", "app", "db", "bastion", "alb", "cache", "workers", "internal",
        ]);
        let name = self.res(h, "aws_security_group", base);
        h.s("name", &self.pname(&name));
        h.s("description", &format!("Security group for {base}"));
        h.a("vpc_id", &vpc);
        let n = self.rng.range(1, 4);
        let bad_at = if bad { Some(self.rng.below(n)) } else { None };
        if !bad && self.rng.chance(12.0) {
            self.var(
                "ingress_rules",
                "list(object({\n    port        = number\n    cidr_blocks = list(string)\n    description = string\n  }))",
                Some("[\n  { port = 443, cidr_blocks = [\"10.0.0.0/8\"], description = \"https\" },\n  { port = 8443, cidr_blocks = [\"10.0.0.0/8\"], description = \"admin\" },\n]".into()),
                "Ingress rules of the security group.",
            );
            h.blank();
            h.block("dynamic \"ingress\"");
            h.a("for_each", "var.ingress_rules");
            h.block("content");
            h.a("description", "ingress.value.description");
            h.a("from_port", "ingress.value.port");
            h.a("to_port", "ingress.value.port");
            h.s("protocol", "tcp");
            h.a("cidr_blocks", "ingress.value.cidr_blocks");
            h.close();
            h.close();
        } else {
            for i in 0..n {
                let kind = if bad_at == Some(i) {
                    Some(self.rng.below(4))
                } else {
                    None
                };
                self.ingress_block(h, kind);
            }
        }
        h.blank();
        h.block("egress");
        h.a("from_port", "0");
        h.a("to_port", "0");
        h.s("protocol", "-1");
        h.a("cidr_blocks", ql(&["0.0.0.0/0"]));
        h.close();
        self.tags(h, &name);
        if self.rng.chance(40.0) {
            h.blank();
            h.block("lifecycle");
            h.a("create_before_destroy", "true");
            h.close();
        }
        self.end(h);
        self.sg = Some(name.clone());
        self.output(
            &format!("{name}_security_group_id"),
            &format!("aws_security_group.{name}.id"),
            "Security group id.",
        );
    }

    fn sg_ref(&mut self) -> String {
        match &self.sg {
            Some(s) => format!("aws_security_group.{s}.id"),
            None => self.var(
                "security_group_id",
                "string",
                Some(q(&format!("sg-{}", self.rng.hex(17)))),
                "Security group to attach rules to.",
            ),
        }
    }

    fn aws_sg_rule(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let sg = self.sg_ref();
        let ingress = bad || self.rng.chance(75.0);
        let name = self.res(
            h,
            "aws_security_group_rule",
            if ingress { "ingress" } else { "egress" },
        );
        h.s("type", if ingress { "ingress" } else { "egress" });
        let (port, cidr) = if bad {
            (self.rng.pick(&["22", "3389"]), ql(&["0.0.0.0/0"]))
        } else if ingress {
            (
                self.rng.pick(&["443", "8443", "22", "5432"]),
                ql(&["10.0.0.0/8"]),
            )
        } else {
            ("443", ql(&["0.0.0.0/0"]))
        };
        h.s("description", &format!("{name} {port}"));
        h.a("from_port", port);
        h.a("to_port", port);
        h.s("protocol", if self.rng.chance(85.0) { "tcp" } else { "6" });
        h.a("cidr_blocks", cidr);
        h.a("security_group_id", sg);
        self.end(h);
    }

    fn aws_vpc_ingress(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let sg = self.sg_ref();
        let name = self.res(
            h,
            "aws_vpc_security_group_ingress_rule",
            self.rng.pick(&["https", "ssh", "admin", "app"]),
        );
        h.a("security_group_id", sg);
        h.s("description", &format!("{name} ingress"));
        if bad {
            match self.rng.below(3) {
                0 => {
                    h.s("cidr_ipv4", "0.0.0.0/0");
                    h.a("from_port", "22");
                    h.a("to_port", "22");
                    h.s("ip_protocol", "tcp");
                }
                1 => {
                    h.s("cidr_ipv4", "0.0.0.0/0");
                    h.a("from_port", "3389");
                    h.a("to_port", "3389");
                    h.s("ip_protocol", "tcp");
                }
                _ => {
                    h.s("cidr_ipv6", "::/0");
                    h.s("ip_protocol", "-1");
                }
            }
        } else if self.rng.chance(50.0) {
            h.s("cidr_ipv4", "0.0.0.0/0");
            h.a("from_port", "443");
            h.a("to_port", "443");
            h.s("ip_protocol", "tcp");
        } else {
            let v = self.var(
                "vpc_cidr",
                "string",
                Some(q("10.20.0.0/16")),
                "CIDR block of the VPC.",
            );
            h.a("cidr_ipv4", v);
            h.a("from_port", "22");
            h.a("to_port", "22");
            h.s("ip_protocol", "tcp");
        }
        self.tags(h, &name);
        self.end(h);
    }

    fn aws_vpc(&mut self, h: &mut Hcl) {
        let name = self.res(h, "aws_vpc", "main");
        let v = self.var(
            "vpc_cidr",
            "string",
            Some(q("10.20.0.0/16")),
            "CIDR block of the VPC.",
        );
        h.a("cidr_block", v);
        h.a("enable_dns_support", "true");
        h.a("enable_dns_hostnames", "true");
        self.tags(h, &name);
        self.end(h);
        for tier in ["private", "public"] {
            let sn = self.res(h, "aws_subnet", tier);
            h.a("count", "3");
            h.blank();
            h.a("vpc_id", format!("aws_vpc.{name}.id"));
            h.a(
                "cidr_block",
                format!(
                    "cidrsubnet(aws_vpc.{name}.cidr_block, 4, count.index{})",
                    if tier == "public" { " + 8" } else { "" }
                ),
            );
            h.a(
                "availability_zone",
                "element(data.aws_availability_zones.available.names, count.index)",
            );
            h.a(
                "map_public_ip_on_launch",
                if tier == "public" { "true" } else { "false" },
            );
            h.blank();
            h.open("tags = merge(local.common_tags, ");
            h.s(
                "Name",
                &format!("${{local.name_prefix}}-{tier}-${{count.index}}"),
            );
            h.s("Tier", tier);
            h.close_with("}", ")");
            self.end(h);
            self.output(
                &format!("{sn}_subnet_ids"),
                &format!("aws_subnet.{sn}[*].id"),
                "Subnet ids.",
            );
        }
        let rt = self.res(h, "aws_route_table", "private");
        h.a("vpc_id", format!("aws_vpc.{name}.id"));
        h.blank();
        h.block("route");
        h.s("cidr_block", "0.0.0.0/0");
        h.a("nat_gateway_id", "var.nat_gateway_id");
        self.var(
            "nat_gateway_id",
            "string",
            Some(q(&format!("nat-{}", self.rng.hex(17)))),
            "NAT gateway for private subnets.",
        );
        h.close();
        self.tags(h, &rt);
        self.end(h);
        self.need_azs = true;
        self.output("vpc_id", &format!("aws_vpc.{name}.id"), "VPC id.");
    }

    fn subnet_group(&mut self, h: &mut Hcl) -> String {
        if let Some(s) = &self.subnet_group {
            return s.clone();
        }
        let v = self.var(
            "private_subnet_ids",
            "list(string)",
            Some(format!(
                "[{}]",
                (0..3)
                    .map(|_| q(&format!("subnet-{}", self.rng.hex(17))))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            "Private subnets.",
        );
        let name = self.res(h, "aws_db_subnet_group", "main");
        h.s("name", &self.pname("db"));
        h.a("subnet_ids", v);
        self.tags(h, &name);
        self.end(h);
        self.subnet_group = Some(name.clone());
        name
    }

    fn aws_db(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let which = if bad { self.rng.below(3) } else { 9 };
        let sng = self.subnet_group(h);
        let kms = if self.rng.chance(50.0) {
            Some(self.ensure_kms(h))
        } else {
            None
        };
        let (engine, ver, port) = self.rng.pick(&[
            ("postgres", "15.4", "5432"),
            ("mysql", "8.0.35", "3306"),
            ("postgres", "14.10", "5432"),
            ("mariadb", "10.11.6", "3306"),
        ]);
        let class = self.var(
            "db_instance_class",
            "string",
            Some(q(self.rng.pick(&[
                "db.t3.medium",
                "db.r6g.large",
                "db.m6g.xlarge",
            ]))),
            "RDS instance class.",
        );
        let name = self.res(
            h,
            "aws_db_instance",
            self.rng.pick(&["main", "primary", "app", "reporting"]),
        );
        h.s("identifier", &self.pname(&name));
        h.s("engine", engine);
        h.s("engine_version", ver);
        h.a("instance_class", class);
        h.a("allocated_storage", self.rng.range(20, 500).to_string());
        h.a("max_allocated_storage", "1000");
        h.s("storage_type", "gp3");
        match which {
            1 => {
                if self.rng.chance(50.0) {
                    h.a("storage_encrypted", "false");
                }
            }
            _ => {
                h.a("storage_encrypted", "true");
                if let Some(k) = &kms {
                    h.a("kms_key_id", format!("aws_kms_key.{k}.arn"));
                }
            }
        }
        h.blank();
        h.s("db_name", "app");
        h.s("username", &format!("{}_admin", self.service));
        if self.rng.chance(50.0) {
            h.a("manage_master_user_password", "true");
        } else {
            let p = self.secret_var("db_password", "Master password of the database.");
            h.a("password", p);
        }
        h.a("port", port);
        h.blank();
        h.a(
            "db_subnet_group_name",
            format!("aws_db_subnet_group.{sng}.name"),
        );
        let sg = self.sg_ref();
        h.a("vpc_security_group_ids", format!("[{sg}]"));
        h.a(
            "publicly_accessible",
            if which == 0 { "true" } else { "false" },
        );
        let multi_az = if self.rng.chance(50.0) {
            "true"
        } else {
            "var.environment == \"prod\""
        };
        h.a("multi_az", multi_az);
        h.blank();
        h.a(
            "backup_retention_period",
            if which == 2 {
                "0".to_string()
            } else {
                self.rng.range(7, 35).to_string()
            },
        );
        h.s("backup_window", "03:00-04:00");
        h.s("maintenance_window", "sun:04:30-sun:05:30");
        h.a("deletion_protection", "true");
        h.a("skip_final_snapshot", "false");
        h.s(
            "final_snapshot_identifier",
            &self.pname(&format!("{name}-final")),
        );
        h.a("copy_tags_to_snapshot", "true");
        h.a("performance_insights_enabled", "true");
        h.a(
            "enabled_cloudwatch_logs_exports",
            if engine == "postgres" {
                ql(&["postgresql", "upgrade"])
            } else {
                ql(&["error", "slowquery"])
            },
        );
        self.tags(h, &name);
        self.end(h);
        if self.rng.chance(25.0) {
            let r = self.res(h, "aws_db_instance", &format!("{name}_replica"));
            h.s("identifier", &self.pname(&r));
            h.a(
                "replicate_source_db",
                format!("aws_db_instance.{name}.identifier"),
            );
            h.a("instance_class", "var.db_instance_class");
            h.a("publicly_accessible", "false");
            h.a("skip_final_snapshot", "true");
            self.tags(h, &r);
            self.end(h);
        }
        self.output(
            &format!("{name}_endpoint"),
            &format!("aws_db_instance.{name}.endpoint"),
            "Database endpoint.",
        );
    }

    fn aws_rds_cluster(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let sng = self.subnet_group(h);
        let name = self.res(h, "aws_rds_cluster", "aurora");
        h.s("cluster_identifier", &self.pname(&name));
        h.s("engine", "aurora-postgresql");
        h.s("engine_version", "15.4");
        h.s("database_name", "app");
        h.s("master_username", "app_admin");
        h.a("manage_master_user_password", "true");
        h.a(
            "db_subnet_group_name",
            format!("aws_db_subnet_group.{sng}.name"),
        );
        h.a("storage_encrypted", if bad { "false" } else { "true" });
        h.a("backup_retention_period", "14");
        h.s("preferred_backup_window", "02:00-03:00");
        h.a("deletion_protection", "true");
        h.a("enabled_cloudwatch_logs_exports", ql(&["postgresql"]));
        self.tags(h, &name);
        self.end(h);
        let bad_i = self.bad();
        let inst = self.res(h, "aws_rds_cluster_instance", &name);
        h.a("count", "2");
        h.s("identifier", "${local.name_prefix}-aurora-${count.index}");
        h.a("cluster_identifier", format!("aws_rds_cluster.{name}.id"));
        h.s("instance_class", "db.r6g.large");
        h.a("engine", format!("aws_rds_cluster.{name}.engine"));
        h.a("publicly_accessible", if bad_i { "true" } else { "false" });
        self.tags(h, &inst);
        self.end(h);
    }

    fn aws_dynamodb(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let name = self.res(
            h,
            "aws_dynamodb_table",
            self.rng
                .pick(&["sessions", "events", "orders", "locks", "idempotency"]),
        );
        h.s("name", &self.pname(&name));
        h.s("billing_mode", "PAY_PER_REQUEST");
        h.s("hash_key", "pk");
        h.s("range_key", "sk");
        for a in ["pk", "sk"] {
            h.blank();
            h.block("attribute");
            h.s("name", a);
            h.s("type", "S");
            h.close();
        }
        if self.rng.chance(50.0) {
            h.blank();
            h.block("attribute");
            h.s("name", "gsi1pk");
            h.s("type", "S");
            h.close();
            h.blank();
            h.block("global_secondary_index");
            h.s("name", "gsi1");
            h.s("hash_key", "gsi1pk");
            h.s("projection_type", "ALL");
            h.close();
        }
        h.blank();
        h.block("ttl");
        h.s("attribute_name", "expires_at");
        h.a("enabled", "true");
        h.close();
        if !bad || self.rng.chance(50.0) {
            h.blank();
            h.block("point_in_time_recovery");
            h.a("enabled", if bad { "false" } else { "true" });
            h.close();
        }
        h.blank();
        h.block("server_side_encryption");
        h.a("enabled", "true");
        h.close();
        self.tags(h, &name);
        self.end(h);
        self.output(
            &format!("{name}_table_name"),
            &format!("aws_dynamodb_table.{name}.name"),
            "Table name.",
        );
    }

    fn aws_ebs(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let name = self.res(
            h,
            "aws_ebs_volume",
            self.rng.pick(&["data", "logs", "scratch", "cache"]),
        );
        if self.rng.chance(50.0) {
            h.a(
                "availability_zone",
                "data.aws_availability_zones.available.names[0]",
            );
            self.need_azs = true;
        } else {
            h.s("availability_zone", "eu-west-1a");
        }
        h.a("size", self.rng.range(20, 2000).to_string());
        h.s("type", self.rng.pick(&["gp3", "io2", "st1"]));
        if bad {
            if self.rng.chance(50.0) {
                h.a("encrypted", "false");
            }
        } else {
            h.a("encrypted", "true");
            if self.rng.chance(50.0) {
                let k = self.ensure_kms(h);
                h.a("kms_key_id", format!("aws_kms_key.{k}.arn"));
            }
        }
        self.tags(h, &name);
        self.end(h);
    }

    fn aws_instance(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let ami = if !self.used.contains(&"data.aws_ami.al2023".to_string()) {
            self.data(h, "aws_ami", "al2023");
            h.a("most_recent", "true");
            h.a("owners", ql(&["amazon"]));
            h.blank();
            h.block("filter");
            h.s("name", "name");
            h.a("values", ql(&["al2023-ami-*-x86_64"]));
            h.close();
            h.close();
            h.blank();
            "data.aws_ami.al2023.id".to_string()
        } else {
            "data.aws_ami.al2023.id".to_string()
        };
        let it = self.var(
            "instance_type",
            "string",
            Some(q(self.rng.pick(&["t3.medium", "m6i.large", "c6i.xlarge"]))),
            "EC2 instance type.",
        );
        let name = self.res(
            h,
            "aws_instance",
            self.rng
                .pick(&["bastion", "app", "worker", "jump", "runner"]),
        );
        if self.rng.chance(20.0) {
            h.a("count", "var.environment == \"prod\" ? 2 : 1");
            h.blank();
        }
        h.a("ami", &ami);
        h.a("instance_type", &it);
        let subnets = self.var(
            "private_subnet_ids",
            "list(string)",
            Some(format!(
                "[{}]",
                (0..3)
                    .map(|_| q(&format!("subnet-{}", self.rng.hex(17))))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            "Private subnets.",
        );
        h.a("subnet_id", format!("{subnets}[0]"));
        let sg = self.sg_ref();
        h.a("vpc_security_group_ids", format!("[{sg}]"));
        h.a("associate_public_ip_address", "false");
        h.a("monitoring", "true");
        h.a("ebs_optimized", "true");
        h.blank();
        match (bad, self.rng.below(2)) {
            (true, 0) => {}
            (true, _) => {
                h.block("metadata_options");
                h.s("http_endpoint", "enabled");
                h.s("http_tokens", "optional");
                h.close();
            }
            _ => {
                h.block("metadata_options");
                h.s("http_endpoint", "enabled");
                h.s("http_tokens", "required");
                h.a("http_put_response_hop_limit", "1");
                h.s("instance_metadata_tags", "enabled");
                h.close();
            }
        }
        h.blank();
        h.block("root_block_device");
        h.s("volume_type", "gp3");
        h.a("volume_size", self.rng.range(20, 200).to_string());
        h.a("encrypted", "true");
        h.a("delete_on_termination", "true");
        h.close();
        h.blank();
        let body = format!(
            "#!/bin/bash\nset -euo pipefail\ndnf install -y amazon-cloudwatch-agent jq\ncat >/etc/{svc}.env <<'ENV'\nENVIRONMENT=${{var.environment}}\nSERVICE={svc}\nENV\nsystemctl enable --now amazon-cloudwatch-agent\necho \"bootstrapped $(hostname)\" | logger -t bootstrap\n",
            svc = self.service
        );
        h.heredoc(
            "user_data",
            if self.rng.chance(50.0) { "EOF" } else { "EOT" },
            &body,
            self.rng.chance(60.0),
        );
        self.tags(h, &name);
        if self.rng.chance(40.0) {
            h.blank();
            h.block("lifecycle");
            h.a("ignore_changes", "[ami, user_data]");
            h.close();
        }
        self.end(h);
    }

    fn aws_launch_template(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let name = self.res(
            h,
            "aws_launch_template",
            self.rng.pick(&["workers", "nodes", "batch"]),
        );
        h.s("name_prefix", &format!("${{local.name_prefix}}-{name}-"));
        h.s("image_id", &format!("ami-{}", self.rng.hex(17)));
        h.s("instance_type", "m6i.large");
        h.a("update_default_version", "true");
        h.blank();
        h.block("metadata_options");
        h.s("http_endpoint", "enabled");
        h.s("http_tokens", if bad { "optional" } else { "required" });
        h.a("http_put_response_hop_limit", "2");
        h.close();
        h.blank();
        h.block("block_device_mappings");
        h.s("device_name", "/dev/xvda");
        h.blank();
        h.block("ebs");
        h.a("volume_size", "50");
        h.s("volume_type", "gp3");
        h.a("encrypted", "true");
        h.close();
        h.close();
        h.blank();
        h.block("tag_specifications");
        h.s("resource_type", "instance");
        h.a("tags", "local.common_tags");
        h.close();
        self.end(h);
    }

    fn ensure_role(&mut self, h: &mut Hcl, service: &str) -> String {
        if let Some(r) = &self.role {
            return r.clone();
        }
        let name = self.res(h, "aws_iam_role", "this");
        h.s("name", &self.pname("role"));
        h.blank();
        h.open("assume_role_policy = jsonencode(");
        h.s("Version", "2012-10-17");
        h.open_list("Statement = ");
        h.open("");
        h.s("Effect", "Allow");
        h.s("Action", "sts:AssumeRole");
        h.open("Principal = ");
        h.s("Service", service);
        h.close();
        h.close_with("}", ",");
        h.close_with("]", "");
        h.close_with("}", ")");
        self.tags(h, &name);
        self.end(h);
        self.role = Some(name.clone());
        self.output(
            "role_arn",
            &format!("aws_iam_role.{name}.arn"),
            "IAM role ARN.",
        );
        name
    }

    fn aws_eks(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let role = self.ensure_role(h, "eks.amazonaws.com");
        let kms = self.ensure_kms(h);
        let subnets = self.var(
            "private_subnet_ids",
            "list(string)",
            Some(format!(
                "[{}]",
                (0..3)
                    .map(|_| q(&format!("subnet-{}", self.rng.hex(17))))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            "Private subnets.",
        );
        let name = self.res(h, "aws_eks_cluster", "this");
        h.s("name", &self.pname("eks"));
        h.a("role_arn", format!("aws_iam_role.{role}.arn"));
        h.s("version", self.rng.pick(&["1.28", "1.29", "1.30"]));
        h.blank();
        h.block("vpc_config");
        h.a("subnet_ids", &subnets);
        h.a("endpoint_private_access", "true");
        match (bad, self.rng.below(3)) {
            (true, 0) => {
                h.a("endpoint_public_access", "true");
            }
            (true, 1) => {
                h.a("endpoint_public_access", "true");
                h.a("public_access_cidrs", ql(&["0.0.0.0/0"]));
            }
            (true, _) => {}
            (false, 0) => {
                h.a("endpoint_public_access", "true");
                h.a(
                    "public_access_cidrs",
                    ql(&["203.0.113.0/24", "198.51.100.10/32"]),
                );
            }
            _ => {
                h.a("endpoint_public_access", "false");
            }
        }
        h.close();
        h.blank();
        h.block("encryption_config");
        h.a("resources", ql(&["secrets"]));
        h.block("provider");
        h.a("key_arn", format!("aws_kms_key.{kms}.arn"));
        h.close();
        h.close();
        h.blank();
        h.a(
            "enabled_cluster_log_types",
            ql(&["api", "audit", "authenticator"]),
        );
        self.tags(h, &name);
        self.end(h);
        let ng = self.res(h, "aws_eks_node_group", "default");
        h.a("cluster_name", format!("aws_eks_cluster.{name}.name"));
        h.s("node_group_name", "default");
        h.a("node_role_arn", format!("aws_iam_role.{role}.arn"));
        h.a("subnet_ids", &subnets);
        h.a("instance_types", ql(&["m6i.large", "m6a.large"]));
        h.s("capacity_type", "ON_DEMAND");
        h.blank();
        h.block("scaling_config");
        h.a("desired_size", "3");
        h.a("min_size", "2");
        h.a("max_size", "10");
        h.close();
        h.blank();
        h.block("update_config");
        h.a("max_unavailable", "1");
        h.close();
        h.blank();
        h.open("labels = ");
        h.s("workload", "general");
        h.close();
        self.tags(h, &ng);
        self.end(h);
        self.output(
            "cluster_endpoint",
            &format!("aws_eks_cluster.{name}.endpoint"),
            "EKS API endpoint.",
        );
    }

    fn aws_kms(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let name = self.res(
            h,
            "aws_kms_key",
            self.rng.pick(&["data", "logs", "secrets", "backup"]),
        );
        h.s("description", &format!("{name} key for {}", self.service));
        h.a("deletion_window_in_days", self.rng.range(7, 30).to_string());
        if bad {
            if self.rng.chance(50.0) {
                h.a("enable_key_rotation", "false");
            }
        } else {
            h.a("enable_key_rotation", "true");
            if self.rng.chance(30.0) {
                h.a("rotation_period_in_days", "180");
            }
        }
        h.a("multi_region", "false");
        if self.rng.chance(60.0) {
            self.key_policy(h);
        }
        self.tags(h, &name);
        self.end(h);
        self.res(h, "aws_kms_alias", &name);
        h.s("name", &format!("alias/${{local.name_prefix}}-{name}"));
        h.a("target_key_id", format!("aws_kms_key.{name}.key_id"));
        self.end(h);
    }

    fn aws_cloudtrail(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let which = if bad { self.rng.below(3) } else { 9 };
        let log = self.ensure_log_bucket(h);
        let kms = self.ensure_kms(h);
        let lg = self.res(h, "aws_cloudwatch_log_group", "trail");
        h.s("name", "/aws/cloudtrail/${local.name_prefix}");
        h.a("retention_in_days", "365");
        h.a("kms_key_id", format!("aws_kms_key.{kms}.arn"));
        self.end(h);
        let name = self.res(h, "aws_cloudtrail", "main");
        h.s("name", &self.pname("trail"));
        h.a("s3_bucket_name", format!("aws_s3_bucket.{log}.id"));
        h.s("s3_key_prefix", "cloudtrail");
        h.a("include_global_service_events", "true");
        h.a(
            "is_multi_region_trail",
            if which == 0 { "false" } else { "true" },
        );
        if which == 1 {
            if self.rng.chance(50.0) {
                h.a("enable_log_file_validation", "false");
            }
        } else {
            h.a("enable_log_file_validation", "true");
        }
        if which != 2 {
            h.a("kms_key_id", format!("aws_kms_key.{kms}.arn"));
        }
        h.s(
            "cloud_watch_logs_group_arn",
            &format!("${{aws_cloudwatch_log_group.{lg}.arn}}:*"),
        );
        h.blank();
        h.block("event_selector");
        h.s("read_write_type", "All");
        h.a("include_management_events", "true");
        h.blank();
        h.block("data_resource");
        h.s("type", "AWS::S3::Object");
        h.a("values", ql(&["arn:aws:s3"]));
        h.close();
        h.close();
        self.tags(h, &name);
        self.end(h);
    }

    fn aws_sqs(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let base = self
            .rng
            .pick(&["jobs", "events", "notifications", "ingest"]);
        let dlq = self.res(h, "aws_sqs_queue", &format!("{base}_dlq"));
        h.s("name", &self.pname(&dlq));
        h.a("message_retention_seconds", "1209600");
        h.a("sqs_managed_sse_enabled", "true");
        self.tags(h, &dlq);
        self.end(h);
        let name = self.res(h, "aws_sqs_queue", base);
        h.s("name", &self.pname(&name));
        h.a(
            "visibility_timeout_seconds",
            self.rng.range(30, 900).to_string(),
        );
        h.a("message_retention_seconds", "345600");
        h.a("receive_wait_time_seconds", "20");
        if bad {
            h.a("sqs_managed_sse_enabled", "false");
        } else if self.rng.chance(50.0) {
            let k = self.ensure_kms(h);
            h.a("kms_master_key_id", format!("aws_kms_key.{k}.id"));
            h.a("kms_data_key_reuse_period_seconds", "300");
        }
        h.blank();
        h.open("redrive_policy = jsonencode(");
        h.a("deadLetterTargetArn", format!("aws_sqs_queue.{dlq}.arn"));
        h.a("maxReceiveCount", "5");
        h.close_with("}", ")");
        self.tags(h, &name);
        self.end(h);
        self.output(
            &format!("{name}_queue_url"),
            &format!("aws_sqs_queue.{name}.url"),
            "Queue URL.",
        );
    }

    fn aws_sns(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let name = self.res(
            h,
            "aws_sns_topic",
            self.rng
                .pick(&["alerts", "events", "deployments", "alarms"]),
        );
        h.s("name", &self.pname(&name));
        if !bad {
            if self.rng.chance(50.0) {
                h.s("kms_master_key_id", "alias/aws/sns");
            } else {
                let k = self.ensure_kms(h);
                h.a("kms_master_key_id", format!("aws_kms_key.{k}.id"));
            }
        }
        self.tags(h, &name);
        self.end(h);
        if self.rng.chance(60.0) {
            self.res(h, "aws_sns_topic_subscription", &name);
            h.a("topic_arn", format!("aws_sns_topic.{name}.arn"));
            h.s("protocol", "email");
            h.s("endpoint", &format!("{}-oncall@example.com", self.service));
            self.end(h);
        }
    }

    fn aws_ecr(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let name = self.res(
            h,
            "aws_ecr_repository",
            self.rng.pick(&["api", "worker", "web", "jobs"]),
        );
        h.s("name", &format!("{}/{}", self.service, name));
        let which = if bad { self.rng.below(2) } else { 9 };
        h.s(
            "image_tag_mutability",
            if which == 0 { "MUTABLE" } else { "IMMUTABLE" },
        );
        h.a("force_delete", "false");
        h.blank();
        h.block("image_scanning_configuration");
        h.a("scan_on_push", if which == 1 { "false" } else { "true" });
        h.close();
        h.blank();
        h.block("encryption_configuration");
        h.s("encryption_type", "KMS");
        h.close();
        self.tags(h, &name);
        self.end(h);
        self.res(h, "aws_ecr_lifecycle_policy", &name);
        h.a("repository", format!("aws_ecr_repository.{name}.name"));
        h.blank();
        h.open("policy = jsonencode(");
        h.open_list("rules = ");
        h.open("");
        h.a("rulePriority", "1");
        h.s("description", "keep last 30 images");
        h.open("selection = ");
        h.s("tagStatus", "any");
        h.s("countType", "imageCountMoreThan");
        h.a("countNumber", "30");
        h.close();
        h.open("action = ");
        h.s("type", "expire");
        h.close();
        h.close_with("}", ",");
        h.close_with("]", "");
        h.close_with("}", ")");
        self.end(h);
    }

    fn aws_lambda(&mut self, h: &mut Hcl) {
        let role = self.ensure_role(h, "lambda.amazonaws.com");
        let name = self.res(
            h,
            "aws_lambda_function",
            self.rng
                .pick(&["handler", "processor", "authorizer", "cron"]),
        );
        h.s("function_name", &self.pname(&name));
        h.a("role", format!("aws_iam_role.{role}.arn"));
        h.s(
            "runtime",
            self.rng
                .pick(&["python3.12", "nodejs20.x", "provided.al2023"]),
        );
        h.s("handler", "main.handler");
        h.s("filename", &format!("${{path.module}}/build/{name}.zip"));
        h.a(
            "source_code_hash",
            format!("filebase64sha256(\"${{path.module}}/build/{name}.zip\")"),
        );
        h.a("timeout", "30");
        h.a("memory_size", "512");
        h.blank();
        h.block("environment");
        h.open("variables = ");
        h.a("ENVIRONMENT", "var.environment");
        h.s("LOG_LEVEL", "info");
        h.s("POWERTOOLS_SERVICE_NAME", &self.service.clone());
        h.close();
        h.close();
        h.blank();
        h.block("tracing_config");
        h.s("mode", "Active");
        h.close();
        self.tags(h, &name);
        self.end(h);
        let lg = self.res(h, "aws_cloudwatch_log_group", &name);
        h.s(
            "name",
            &format!("/aws/lambda/${{aws_lambda_function.{name}.function_name}}"),
        );
        h.a("retention_in_days", "30");
        self.tags(h, &lg);
        self.end(h);
    }

    fn aws_iam(&mut self, h: &mut Hcl) {
        let role = self.ensure_role(
            h,
            self.rng.pick(&[
                "ec2.amazonaws.com",
                "ecs-tasks.amazonaws.com",
                "lambda.amazonaws.com",
            ]),
        );
        let doc = self.data(h, "aws_iam_policy_document", "access");
        for (sid, actions, res) in [
            (
                "ReadObjects",
                vec!["s3:GetObject", "s3:ListBucket"],
                vec![
                    "arn:aws:s3:::${local.name_prefix}-*",
                    "arn:aws:s3:::${local.name_prefix}-*/*",
                ],
            ),
            (
                "PublishEvents",
                vec!["sns:Publish", "sqs:SendMessage"],
                vec!["arn:aws:sns:${var.region}:*:${local.name_prefix}-*"],
            ),
            (
                "DecryptSecrets",
                vec!["kms:Decrypt", "secretsmanager:GetSecretValue"],
                vec!["*"],
            ),
        ] {
            h.blank();
            h.block("statement");
            h.s("sid", sid);
            h.s("effect", "Allow");
            h.a("actions", ql(&actions));
            h.a("resources", ql(&res));
            if sid == "DecryptSecrets" {
                h.blank();
                h.block("condition");
                h.s("test", "StringEquals");
                h.s("variable", "aws:RequestedRegion");
                h.a("values", "[var.region]");
                self.var("region", "string", Some(q("eu-west-1")), "AWS region.");
                h.close();
            }
            h.close();
        }
        h.close();
        h.blank();
        let pol = self.res(h, "aws_iam_policy", &doc);
        h.s("name", &self.pname(&format!("{doc}-policy")));
        h.a("policy", format!("data.aws_iam_policy_document.{doc}.json"));
        self.end(h);
        self.res(h, "aws_iam_role_policy_attachment", &pol);
        h.a("role", format!("aws_iam_role.{role}.name"));
        h.a("policy_arn", format!("aws_iam_policy.{pol}.arn"));
        self.end(h);
        if self.rng.chance(40.0) {
            let inline = self.res(h, "aws_iam_role_policy", "inline");
            h.a("role", format!("aws_iam_role.{role}.id"));
            h.s("name", &inline);
            let body = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"logs:CreateLogStream\", \"logs:PutLogEvents\"],\n      \"Resource\": \"*\"\n    }\n  ]\n}\n";
            h.heredoc("policy", "EOF", body, false);
            self.end(h);
        }
    }

    fn aws_monitoring(&mut self, h: &mut Hcl) {
        let name = self.res(
            h,
            "aws_cloudwatch_log_group",
            self.rng.pick(&["app", "access", "audit"]),
        );
        h.s(
            "name",
            &format!("/{}/${{var.environment}}/{name}", self.service),
        );
        h.a("retention_in_days", self.rng.pick(&["30", "90", "365"]));
        self.tags(h, &name);
        self.end(h);
        for metric in ["5XXError", "Latency"] {
            let a = self.res(
                h,
                "aws_cloudwatch_metric_alarm",
                &format!("{}_{}", name, metric.to_lowercase()),
            );
            h.s("alarm_name", &self.pname(&a));
            h.s("comparison_operator", "GreaterThanThreshold");
            h.a("evaluation_periods", "3");
            h.s("metric_name", metric);
            h.s("namespace", "AWS/ApiGateway");
            h.a("period", "60");
            h.s("statistic", "Average");
            h.a("threshold", if metric == "Latency" { "1500" } else { "5" });
            h.s(
                "alarm_description",
                &format!("{metric} too high for {}", self.service),
            );
            h.s("treat_missing_data", "notBreaching");
            h.blank();
            h.open("dimensions = ");
            h.s("ApiName", &self.pname("api"));
            h.close();
            self.end(h);
        }
    }

    // ---- Azure --------------------------------------------------------------------------

    fn ensure_rg(&mut self, h: &mut Hcl) -> String {
        if let Some(r) = &self.rg {
            return r.clone();
        }
        let name = self.res(h, "azurerm_resource_group", "main");
        h.s("name", "rg-${local.name_prefix}");
        h.a("location", "var.location");
        self.tags(h, &name);
        self.end(h);
        self.rg = Some(name.clone());
        name
    }

    fn az_common(&mut self, h: &mut Hcl, rg: &str) {
        h.a(
            "resource_group_name",
            format!("azurerm_resource_group.{rg}.name"),
        );
        h.a("location", format!("azurerm_resource_group.{rg}.location"));
    }

    fn az_storage(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let which = if bad { self.rng.below(5) } else { 9 };
        let rg = self.ensure_rg(h);
        let name = self.res(
            h,
            "azurerm_storage_account",
            self.rng.pick(&["data", "logs", "assets", "backup"]),
        );
        h.s(
            "name",
            &format!(
                "st{}{}",
                self.service
                    .replace('-', "")
                    .chars()
                    .take(10)
                    .collect::<String>(),
                self.rng.hex(6)
            ),
        );
        self.az_common(h, &rg);
        h.s("account_tier", "Standard");
        h.s(
            "account_replication_type",
            self.rng.pick(&["LRS", "GRS", "ZRS"]),
        );
        h.s("account_kind", "StorageV2");
        h.s(
            "min_tls_version",
            if which == 0 {
                self.rng.pick(&["TLS1_0", "TLS1_1"])
            } else {
                "TLS1_2"
            },
        );
        match which {
            1 => {
                h.a("allow_nested_items_to_be_public", "true");
            }
            2 => {}
            3 => {
                h.a("allow_blob_public_access", "true");
            }
            _ => {
                h.a("allow_nested_items_to_be_public", "false");
            }
        }
        let legacy_https = self.rng.chance(40.0);
        let https = if which == 4 { "false" } else { "true" };
        if which == 4 || self.rng.chance(70.0) {
            h.a(
                if legacy_https {
                    "enable_https_traffic_only"
                } else {
                    "https_traffic_only_enabled"
                },
                https,
            );
        }
        h.a("shared_access_key_enabled", "false");
        h.blank();
        h.block("blob_properties");
        h.a("versioning_enabled", "true");
        h.blank();
        h.block("delete_retention_policy");
        h.a("days", self.rng.range(7, 30).to_string());
        h.close();
        h.close();
        h.blank();
        h.block("network_rules");
        h.s("default_action", "Deny");
        h.a("bypass", ql(&["AzureServices"]));
        h.a("ip_rules", ql(&["203.0.113.10"]));
        h.close();
        if self.rng.chance(40.0) {
            h.blank();
            h.block("identity");
            h.s("type", "SystemAssigned");
            h.close();
        }
        self.tags(h, &name);
        self.end(h);
        for _ in 0..self.rng.range(0, 3) {
            let cbad = self.bad();
            let c = self.res(
                h,
                "azurerm_storage_container",
                self.rng.pick(&["uploads", "exports", "reports", "images"]),
            );
            h.s("name", &c.replace('_', "-"));
            h.a(
                "storage_account_name",
                format!("azurerm_storage_account.{name}.name"),
            );
            h.s(
                "container_access_type",
                if cbad {
                    self.rng.pick(&["blob", "container"])
                } else {
                    "private"
                },
            );
            self.end(h);
        }
        self.output(
            &format!("{name}_storage_account_id"),
            &format!("azurerm_storage_account.{name}.id"),
            "Storage account id.",
        );
    }

    fn nsg_rule_body(&mut self, h: &mut Hcl, name: &str, prio: usize, bad: bool) {
        h.s("name", name);
        h.a("priority", prio.to_string());
        h.s("direction", "Inbound");
        h.s("access", "Allow");
        h.s(
            "protocol",
            if bad {
                self.rng.pick(&["Tcp", "*"])
            } else {
                "Tcp"
            },
        );
        h.s("source_port_range", "*");
        if bad {
            let port = self.rng.pick(&["22", "3389", "20-30", "*"]);
            h.s("destination_port_range", port);
            h.s(
                "source_address_prefix",
                self.rng.pick(&["*", "Internet", "0.0.0.0/0"]),
            );
        } else {
            match self.rng.below(3) {
                0 => {
                    h.s("destination_port_range", "443");
                    h.s("source_address_prefix", "Internet");
                }
                1 => {
                    h.s("destination_port_range", "22");
                    h.s("source_address_prefix", "10.0.0.0/8");
                }
                _ => {
                    h.a("destination_port_ranges", ql(&["80", "443", "8443"]));
                    h.s("source_address_prefix", "VirtualNetwork");
                }
            }
        }
        h.s("destination_address_prefix", "*");
    }

    fn az_nsg(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let rg = self.ensure_rg(h);
        let name = self.res(
            h,
            "azurerm_network_security_group",
            self.rng.pick(&["web", "app", "mgmt", "data"]),
        );
        h.s("name", &format!("nsg-${{local.name_prefix}}-{name}"));
        self.az_common(h, &rg);
        let n = self.rng.range(1, 4);
        let bad_at = if bad { Some(self.rng.below(n)) } else { None };
        for i in 0..n {
            h.blank();
            h.block("security_rule");
            let rn = format!("rule-{}", 100 + i * 10);
            self.nsg_rule_body(h, &rn, 100 + i * 10, bad_at == Some(i));
            h.close();
        }
        self.tags(h, &name);
        self.end(h);
    }

    fn az_nsg_rule(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let rg = self.ensure_rg(h);
        let name = self.res(
            h,
            "azurerm_network_security_rule",
            self.rng.pick(&["allow_https", "allow_ssh", "allow_mgmt"]),
        );
        let prio = self.rng.range(100, 4000);
        self.nsg_rule_body(h, &name.replace('_', "-"), prio, bad);
        h.a(
            "resource_group_name",
            format!("azurerm_resource_group.{rg}.name"),
        );
        h.s(
            "network_security_group_name",
            &format!("nsg-{}", self.service),
        );
        self.end(h);
    }

    fn az_vnet(&mut self, h: &mut Hcl) {
        let rg = self.ensure_rg(h);
        let name = self.res(h, "azurerm_virtual_network", "main");
        h.s("name", "vnet-${local.name_prefix}");
        self.az_common(h, &rg);
        h.a("address_space", ql(&["10.40.0.0/16"]));
        self.tags(h, &name);
        self.end(h);
        for (i, sn) in ["app", "data", "endpoints"].iter().enumerate() {
            let s = self.res(h, "azurerm_subnet", sn);
            h.s("name", &format!("snet-{s}"));
            h.a(
                "resource_group_name",
                format!("azurerm_resource_group.{rg}.name"),
            );
            h.a(
                "virtual_network_name",
                format!("azurerm_virtual_network.{name}.name"),
            );
            h.a("address_prefixes", ql(&[&format!("10.40.{}.0/24", i)]));
            if *sn == "data" {
                h.a(
                    "service_endpoints",
                    ql(&["Microsoft.Storage", "Microsoft.Sql"]),
                );
            }
            self.end(h);
        }
    }

    fn az_key_vault(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let rg = self.ensure_rg(h);
        if !self
            .used
            .contains(&"data.azurerm_client_config.current".to_string())
        {
            self.data(h, "azurerm_client_config", "current");
            h.close();
            h.blank();
        }
        let name = self.res(h, "azurerm_key_vault", "main");
        h.s(
            "name",
            &format!(
                "kv-{}-{}",
                self.service.chars().take(12).collect::<String>(),
                self.rng.hex(4)
            ),
        );
        self.az_common(h, &rg);
        h.a("tenant_id", "data.azurerm_client_config.current.tenant_id");
        h.s("sku_name", "standard");
        h.a("soft_delete_retention_days", "90");
        if bad {
            if self.rng.chance(50.0) {
                h.a("purge_protection_enabled", "false");
            }
        } else {
            h.a("purge_protection_enabled", "true");
        }
        h.a("enable_rbac_authorization", "true");
        h.blank();
        h.block("network_acls");
        h.s("default_action", "Deny");
        h.s("bypass", "AzureServices");
        h.close();
        self.tags(h, &name);
        self.end(h);
    }

    fn az_mssql(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let rg = self.ensure_rg(h);
        let name = self.res(h, "azurerm_mssql_server", "main");
        h.s("name", "sql-${local.name_prefix}");
        self.az_common(h, &rg);
        h.s("version", "12.0");
        h.s("administrator_login", "sqladmin");
        let p = self.secret_var(
            "sql_admin_password",
            "Administrator password of the SQL server.",
        );
        h.a("administrator_login_password", p);
        h.s("minimum_tls_version", "1.2");
        if bad {
            if self.rng.chance(50.0) {
                h.a("public_network_access_enabled", "true");
            }
        } else {
            h.a("public_network_access_enabled", "false");
        }
        h.blank();
        h.block("azuread_administrator");
        h.s("login_username", "sql-admins");
        h.s("object_id", "00000000-0000-0000-0000-000000000000");
        h.close();
        self.tags(h, &name);
        self.end(h);
        let db = self.res(h, "azurerm_mssql_database", "app");
        h.s("name", &format!("sqldb-{}", self.service));
        h.a("server_id", format!("azurerm_mssql_server.{name}.id"));
        h.s("sku_name", "S1");
        h.a("zone_redundant", "false");
        self.tags(h, &db);
        self.end(h);
    }

    fn az_vm(&mut self, h: &mut Hcl) {
        let rg = self.ensure_rg(h);
        let size = self.var("vm_size", "string", Some(q("Standard_D2s_v5")), "VM size.");
        let nic = self.res(h, "azurerm_network_interface", "vm");
        h.s("name", "nic-${local.name_prefix}");
        self.az_common(h, &rg);
        h.blank();
        h.block("ip_configuration");
        h.s("name", "internal");
        h.a("subnet_id", "var.subnet_id");
        self.var("subnet_id", "string", Some(q("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/app")), "Subnet for the VM.");
        h.s("private_ip_address_allocation", "Dynamic");
        h.close();
        self.end(h);
        let name = self.res(h, "azurerm_linux_virtual_machine", "app");
        h.s("name", "vm-${local.name_prefix}");
        self.az_common(h, &rg);
        h.a("size", size);
        h.s("admin_username", "azureuser");
        h.a(
            "network_interface_ids",
            format!("[azurerm_network_interface.{nic}.id]"),
        );
        h.a("disable_password_authentication", "true");
        h.blank();
        h.block("admin_ssh_key");
        h.s("username", "azureuser");
        h.a("public_key", "file(\"~/.ssh/id_ed25519.pub\")");
        h.close();
        h.blank();
        h.block("os_disk");
        h.s("caching", "ReadWrite");
        h.s("storage_account_type", "Premium_LRS");
        h.close();
        h.blank();
        h.block("source_image_reference");
        h.s("publisher", "Canonical");
        h.s("offer", "0001-com-ubuntu-server-jammy");
        h.s("sku", "22_04-lts-gen2");
        h.s("version", "latest");
        h.close();
        self.tags(h, &name);
        self.end(h);
    }

    fn az_aks(&mut self, h: &mut Hcl) {
        let rg = self.ensure_rg(h);
        let name = self.res(h, "azurerm_kubernetes_cluster", "main");
        h.s("name", "aks-${local.name_prefix}");
        self.az_common(h, &rg);
        h.s("dns_prefix", &self.service.clone());
        h.s("kubernetes_version", "1.29");
        h.a("private_cluster_enabled", "true");
        h.blank();
        h.block("default_node_pool");
        h.s("name", "system");
        h.a("node_count", "3");
        h.s("vm_size", "Standard_D4s_v5");
        h.a("zones", ql(&["1", "2", "3"]));
        h.close();
        h.blank();
        h.block("identity");
        h.s("type", "SystemAssigned");
        h.close();
        h.blank();
        h.block("network_profile");
        h.s("network_plugin", "azure");
        h.s("network_policy", "calico");
        h.close();
        self.tags(h, &name);
        self.end(h);
    }

    fn az_log_analytics(&mut self, h: &mut Hcl) {
        let rg = self.ensure_rg(h);
        let name = self.res(h, "azurerm_log_analytics_workspace", "main");
        h.s("name", "log-${local.name_prefix}");
        self.az_common(h, &rg);
        h.s("sku", "PerGB2018");
        h.a("retention_in_days", "90");
        self.tags(h, &name);
        self.end(h);
    }

    // ---- GCP ----------------------------------------------------------------------------

    fn ensure_network(&mut self, h: &mut Hcl) -> String {
        if let Some(n) = &self.network {
            return n.clone();
        }
        let name = self.res(h, "google_compute_network", "main");
        h.s("name", &self.pname("vpc"));
        h.a("auto_create_subnetworks", "false");
        h.s("routing_mode", "REGIONAL");
        self.end(h);
        self.network = Some(name.clone());
        name
    }

    fn gcp_firewall(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let net = self.ensure_network(h);
        let name = self.res(
            h,
            "google_compute_firewall",
            self.rng.pick(&[
                "allow_ssh",
                "allow_https",
                "allow_rdp",
                "allow_internal",
                "allow_health_checks",
            ]),
        );
        h.s("name", &self.pname(&name));
        h.a("network", format!("google_compute_network.{net}.name"));
        h.s("direction", "INGRESS");
        h.a("priority", "1000");
        h.blank();
        let (proto, ports, ranges): (&str, Option<Vec<&str>>, Vec<&str>) = if bad {
            match self.rng.below(3) {
                0 => ("tcp", Some(vec!["22"]), vec!["0.0.0.0/0"]),
                1 => ("tcp", Some(vec!["3389"]), vec!["0.0.0.0/0"]),
                _ => ("tcp", None, vec!["0.0.0.0/0"]),
            }
        } else {
            match self.rng.below(3) {
                0 => ("tcp", Some(vec!["22"]), vec!["35.235.240.0/20"]),
                1 => ("tcp", Some(vec!["443", "8443"]), vec!["0.0.0.0/0"]),
                _ => (
                    "tcp",
                    Some(vec!["80", "443"]),
                    vec!["130.211.0.0/22", "35.191.0.0/16"],
                ),
            }
        };
        h.block("allow");
        h.s("protocol", proto);
        if let Some(p) = ports {
            h.a("ports", ql(&p));
        }
        h.close();
        if self.rng.chance(30.0) {
            h.blank();
            h.block("allow");
            h.s("protocol", "icmp");
            h.close();
        }
        h.blank();
        h.a("source_ranges", ql(&ranges));
        h.a("target_tags", ql(&[&self.service.clone()]));
        h.blank();
        h.block("log_config");
        h.s("metadata", "INCLUDE_ALL_METADATA");
        h.close();
        self.end(h);
    }

    fn gcp_network(&mut self, h: &mut Hcl) {
        let net = self.ensure_network(h);
        let name = self.res(
            h,
            "google_compute_subnetwork",
            self.rng.pick(&["app", "data", "gke"]),
        );
        h.s("name", &self.pname(&name));
        h.s(
            "ip_cidr_range",
            &format!("10.{}.0.0/20", self.rng.range(10, 200)),
        );
        h.a("region", "var.gcp_region");
        h.a("network", format!("google_compute_network.{net}.id"));
        h.a("private_ip_google_access", "true");
        h.blank();
        h.block("log_config");
        h.s("aggregation_interval", "INTERVAL_5_SEC");
        h.a("flow_sampling", "0.5");
        h.close();
        self.end(h);
    }

    fn gcp_bucket(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let name = self.res(
            h,
            "google_storage_bucket",
            self.rng.pick(&["data", "assets", "exports", "backups"]),
        );
        h.s(
            "name",
            &format!("${{var.gcp_project}}-{}", name.replace('_', "-")),
        );
        h.s("location", "EU");
        h.s("storage_class", "STANDARD");
        h.a("force_destroy", "false");
        if bad {
            if self.rng.chance(50.0) {
                h.a("uniform_bucket_level_access", "false");
            }
        } else {
            h.a("uniform_bucket_level_access", "true");
        }
        h.s(
            "public_access_prevention",
            if bad { "inherited" } else { "enforced" },
        );
        h.blank();
        h.block("versioning");
        h.a("enabled", "true");
        h.close();
        h.blank();
        h.block("lifecycle_rule");
        h.block("condition");
        h.a("age", self.rng.range(30, 365).to_string());
        h.close();
        h.block("action");
        h.s("type", "SetStorageClass");
        h.s("storage_class", "NEARLINE");
        h.close();
        h.close();
        self.tags(h, &name);
        self.end(h);
        if self.rng.chance(50.0) {
            let ibad = self.bad();
            self.res(
                h,
                "google_storage_bucket_iam_member",
                &format!("{name}_viewer"),
            );
            h.a("bucket", format!("google_storage_bucket.{name}.name"));
            h.s("role", "roles/storage.objectViewer");
            if ibad {
                h.s(
                    "member",
                    self.rng.pick(&["allUsers", "allAuthenticatedUsers"]),
                );
            } else {
                h.s(
                    "member",
                    &format!(
                        "serviceAccount:{}@${{var.gcp_project}}.iam.gserviceaccount.com",
                        self.service
                    ),
                );
            }
            self.end(h);
        }
    }

    fn ensure_sa(&mut self, h: &mut Hcl) -> String {
        if let Some(s) = &self.sa {
            return s.clone();
        }
        let name = self.res(h, "google_service_account", "workload");
        h.s("account_id", &format!("{}-workload", self.service));
        h.s(
            "display_name",
            &format!("{} workload identity", self.service),
        );
        self.end(h);
        self.sa = Some(name.clone());
        name
    }

    fn gcp_instance(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let sa = self.ensure_sa(h);
        let name = self.res(
            h,
            "google_compute_instance",
            self.rng.pick(&["bastion", "app", "worker"]),
        );
        h.s("name", &self.pname(&name));
        h.s("machine_type", "e2-standard-4");
        h.s("zone", "${var.gcp_region}-b");
        h.a("tags", ql(&[&self.service.clone(), "ssh"]));
        h.blank();
        h.block("boot_disk");
        h.block("initialize_params");
        h.s("image", "debian-cloud/debian-12");
        h.a("size", "50");
        h.close();
        h.close();
        h.blank();
        h.block("network_interface");
        h.s(
            "subnetwork",
            "projects/${var.gcp_project}/regions/${var.gcp_region}/subnetworks/app",
        );
        h.close();
        h.blank();
        h.open("metadata = ");
        h.a("\"enable-oslogin\"", q("TRUE"));
        h.a("\"block-project-ssh-keys\"", q("true"));
        if bad {
            h.a(
                "\"serial-port-enable\"",
                if self.rng.chance(50.0) {
                    q("true")
                } else {
                    q("1")
                },
            );
        } else if self.rng.chance(40.0) {
            h.a("\"serial-port-enable\"", q("false"));
        }
        h.close();
        h.blank();
        h.block("service_account");
        h.a("email", format!("google_service_account.{sa}.email"));
        h.a("scopes", ql(&["cloud-platform"]));
        h.close();
        h.blank();
        h.block("shielded_instance_config");
        h.a("enable_secure_boot", "true");
        h.a("enable_vtpm", "true");
        h.a("enable_integrity_monitoring", "true");
        h.close();
        self.tags(h, &name);
        self.end(h);
    }

    fn gcp_gke(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        let net = self.ensure_network(h);
        let name = self.res(h, "google_container_cluster", "primary");
        h.s("name", &self.pname("gke"));
        h.a("location", "var.gcp_region");
        h.a("network", format!("google_compute_network.{net}.id"));
        h.a("remove_default_node_pool", "true");
        h.a("initial_node_count", "1");
        if bad {
            h.a("enable_legacy_abac", "true");
        } else if self.rng.chance(50.0) {
            h.a("enable_legacy_abac", "false");
        }
        h.blank();
        h.block("private_cluster_config");
        h.a("enable_private_nodes", "true");
        h.a("enable_private_endpoint", "false");
        h.s("master_ipv4_cidr_block", "172.16.0.32/28");
        h.close();
        h.blank();
        h.block("master_authorized_networks_config");
        h.block("cidr_blocks");
        h.s("cidr_block", "10.0.0.0/8");
        h.s("display_name", "internal");
        h.close();
        h.close();
        h.blank();
        h.block("workload_identity_config");
        h.s("workload_pool", "${var.gcp_project}.svc.id.goog");
        h.close();
        h.blank();
        h.block("release_channel");
        h.s("channel", "REGULAR");
        h.close();
        h.a("resource_labels", "local.common_labels");
        self.end(h);
        self.res(h, "google_container_node_pool", "default");
        h.s("name", "default");
        h.a("cluster", format!("google_container_cluster.{name}.id"));
        h.a("node_count", "var.node_count");
        self.var("node_count", "number", Some("3".into()), "Nodes per zone.");
        h.blank();
        h.block("node_config");
        h.s("machine_type", "e2-standard-8");
        h.a(
            "oauth_scopes",
            ql(&["https://www.googleapis.com/auth/cloud-platform"]),
        );
        h.blank();
        h.block("workload_metadata_config");
        h.s("mode", "GKE_METADATA");
        h.close();
        h.close();
        self.end(h);
    }

    fn gcp_sql(&mut self, h: &mut Hcl) {
        let bad = self.bad();
        self.res(h, "google_sql_database_instance", "main");
        h.s("name", &self.pname("pg"));
        h.s("database_version", "POSTGRES_15");
        h.a("region", "var.gcp_region");
        h.a("deletion_protection", "true");
        h.blank();
        h.block("settings");
        h.s("tier", "db-custom-2-7680");
        h.s("availability_type", "REGIONAL");
        h.blank();
        h.block("ip_configuration");
        let public = bad || self.rng.chance(40.0);
        h.a("ipv4_enabled", if public { "true" } else { "false" });
        h.s(
            "private_network",
            "projects/${var.gcp_project}/global/networks/default",
        );
        if public {
            h.blank();
            h.block("authorized_networks");
            h.s("name", if bad { "anywhere" } else { "office" });
            h.s("value", if bad { "0.0.0.0/0" } else { "203.0.113.0/24" });
            h.close();
        }
        h.close();
        h.blank();
        h.block("backup_configuration");
        h.a("enabled", "true");
        h.a("point_in_time_recovery_enabled", "true");
        h.s("start_time", "02:00");
        h.close();
        h.blank();
        h.block("database_flags");
        h.s("name", "log_min_duration_statement");
        h.s("value", "500");
        h.close();
        h.close();
        self.end(h);
    }

    fn gcp_iam(&mut self, h: &mut Hcl) {
        let sa = self.ensure_sa(h);
        for role in [
            "roles/logging.logWriter",
            "roles/monitoring.metricWriter",
            "roles/cloudtrace.agent",
        ] {
            self.res(
                h,
                "google_project_iam_member",
                &role.rsplit('.').next().unwrap_or("role").to_lowercase(),
            );
            h.a("project", "var.gcp_project");
            h.s("role", role);
            h.s(
                "member",
                &format!("serviceAccount:${{google_service_account.{sa}.email}}"),
            );
            self.end(h);
        }
    }

    fn gcp_kms(&mut self, h: &mut Hcl) {
        let ring = self.res(h, "google_kms_key_ring", "main");
        h.s("name", &self.pname("ring"));
        h.s("location", "europe");
        self.end(h);
        self.res(h, "google_kms_crypto_key", "data");
        h.s("name", "data");
        h.a("key_ring", format!("google_kms_key_ring.{ring}.id"));
        h.s("rotation_period", "7776000s");
        h.blank();
        h.block("lifecycle");
        h.a("prevent_destroy", "true");
        h.close();
        self.end(h);
    }

    fn gcp_pubsub(&mut self, h: &mut Hcl) {
        let t = self.res(h, "google_pubsub_topic", self.rng.pick(&["events", "jobs"]));
        h.s("name", &self.pname(&t));
        h.s("message_retention_duration", "86600s");
        self.tags(h, &t);
        self.end(h);
        self.res(h, "google_pubsub_subscription", &t);
        h.s("name", &format!("${{local.name_prefix}}-{t}-sub"));
        h.a("topic", format!("google_pubsub_topic.{t}.id"));
        h.a("ack_deadline_seconds", "30");
        h.blank();
        h.block("retry_policy");
        h.s("minimum_backoff", "10s");
        h.close();
        self.end(h);
    }
}
