//! CloudFormation templates: YAML with short-form intrinsic tags (`!Ref`, `!Sub`, `!GetAtt`,
//! `!If`, `!Select`…) and JSON (two-space, four-space and tab indentation), some with the
//! `.template` extension, some SAM templates.

use crate::rng::Rng;
use crate::tree::{
    b, cref, flow, getatt, list, map, n, s, sub, tag, to_json, to_yaml, Quote, YamlStyle, M, V,
};
use crate::Stats;

pub struct Gen {
    rng: Rng,
    pct: f64,
    service: String,
    stats: Stats,
    ids: Vec<String>,
    resources: Vec<(String, V)>,
    outputs: Vec<(String, V)>,
    kms: Option<String>,
    log_bucket: Option<String>,
    role: Option<String>,
    sg: Option<String>,
    params: Vec<&'static str>,
}

type GenFn = fn(&mut Gen);

static GENS: &[(u32, GenFn)] = &[
    (14, Gen::s3),
    (10, Gen::security_group),
    (4, Gen::sg_ingress),
    (6, Gen::rds),
    (2, Gen::rds_cluster),
    (4, Gen::volume),
    (4, Gen::launch_template),
    (2, Gen::eks),
    (5, Gen::kms),
    (3, Gen::trail),
    (5, Gen::sns),
    (5, Gen::sqs),
    (5, Gen::dynamodb),
    (3, Gen::ecr),
    (7, Gen::iam_role),
    (6, Gen::lambda),
    (4, Gen::log_group),
    (3, Gen::ssm),
];

/// One template: returns (extension, text).
pub fn file(rng: Rng, pct: f64, service: &str, stats: &mut Stats) -> (&'static str, String) {
    let mut g = Gen {
        rng,
        pct,
        service: service.to_string(),
        stats: Stats::default(),
        ids: Vec::new(),
        resources: Vec::new(),
        outputs: Vec::new(),
        kms: None,
        log_bucket: None,
        role: None,
        sg: None,
        params: Vec::new(),
    };
    let count = match g.rng.weighted(&[45, 35, 15, 4, 1]) {
        0 => g.rng.range(1, 4),
        1 => g.rng.range(4, 8),
        2 => g.rng.range(8, 16),
        3 => g.rng.range(16, 30),
        _ => g.rng.range(50, 120),
    };
    for _ in 0..count {
        let weights: Vec<u32> = GENS.iter().map(|x| x.0).collect();
        let i = g.rng.weighted(&weights);
        (GENS[i].1)(&mut g);
    }
    let template = g.template();
    let json = g.rng.chance(30.0);
    let (ext, text) = if json {
        let unit = match g.rng.weighted(&[40, 40, 20]) {
            0 => "\t",
            1 => "  ",
            _ => "    ",
        };
        (
            if g.rng.chance(80.0) {
                "json"
            } else {
                "template"
            },
            to_json(&template, unit),
        )
    } else {
        let style = YamlStyle {
            indent_seq: g.rng.chance(65.0),
            quote: if g.rng.chance(85.0) {
                Quote::Minimal
            } else {
                Quote::Double
            },
        };
        let ext = match g.rng.weighted(&[75, 15, 10]) {
            0 => "yaml",
            1 => "yml",
            _ => "template",
        };
        let mut t = String::new();
        if g.rng.chance(30.0) {
            t.push_str(&format!(
                "# {} stack. Deployed by the pipeline; see README for parameters.\n",
                service
            ));
        }
        if g.rng.chance(10.0) {
            t.push_str("---\n");
        }
        t.push_str(&to_yaml(&template, &style));
        (ext, t)
    };
    stats.add(&g.stats);
    (ext, text)
}

impl Gen {
    fn bad(&mut self) -> bool {
        self.stats.checked += 1;
        let x = self.rng.chance(self.pct);
        if x {
            self.stats.insecure += 1;
        }
        x
    }

    fn id(&mut self, base: &str) -> String {
        let mut id = base.to_string();
        let mut i = 2;
        while self.ids.contains(&id) {
            id = format!("{base}{i}");
            i += 1;
        }
        self.ids.push(id.clone());
        id
    }

    fn add(&mut self, id: &str, ty: &str, extra: Vec<(&str, V)>, props: M) {
        self.stats.resources += 1;
        let mut r = M::new();
        if self.rng.chance(5.0) {
            r.comment(self.rng.pick(&[
                "imported from the legacy stack",
                "see runbook before changing",
                "cfn-nag suppressions live in Metadata",
            ]));
        }
        r.put("Type", s(ty));
        for (k, v) in extra {
            r.put(k, v);
        }
        if !props.0.is_empty() {
            r.put("Properties", props.v());
        }
        self.resources.push((id.to_string(), r.v()));
    }

    fn param(&mut self, p: &'static str) {
        if !self.params.contains(&p) {
            self.params.push(p);
        }
    }

    fn tags(&mut self, name: &str) -> V {
        self.param("Environment");
        let mut t = vec![
            map(vec![
                ("Key", s("Name")),
                ("Value", sub(format!("${{AWS::StackName}}-{name}"))),
            ]),
            map(vec![
                ("Key", s("Environment")),
                ("Value", cref("Environment")),
            ]),
        ];
        if self.rng.chance(50.0) {
            t.push(map(vec![("Key", s("Team")), ("Value", s(&self.service))]));
        }
        V::List(t)
    }

    fn output(&mut self, id: &str, value: V, desc: &str) {
        let mut key = id.to_string();
        let mut i = 2;
        while self.outputs.iter().any(|(k, _)| *k == key) {
            key = format!("{id}{i}");
            i += 1;
        }
        let export = map(vec![("Name", sub(format!("${{AWS::StackName}}-{key}")))]);
        self.outputs.push((
            key,
            map(vec![
                ("Description", s(desc)),
                ("Value", value),
                ("Export", export),
            ]),
        ));
    }

    fn template(&mut self) -> V {
        let mut t = M::new();
        if self.rng.chance(90.0) {
            t.put("AWSTemplateFormatVersion", s("2010-09-09"));
        }
        let sam = self.rng.chance(6.0);
        if sam {
            t.put("Transform", s("AWS::Serverless-2016-10-31"));
        }
        t.put(
            "Description",
            s(format!(
                "{} {} - managed by CloudFormation",
                self.service,
                self.rng
                    .pick(&["data stores", "network", "compute", "platform", "messaging"])
            )),
        );
        if self.rng.chance(20.0) {
            t.put(
                "Metadata",
                map(vec![(
                    "cfn-lint",
                    map(vec![(
                        "config",
                        map(vec![("ignore_checks", flow(&["W3005"]))]),
                    )]),
                )]),
            );
        }
        let mut params = M::new();
        for p in self.params.clone() {
            let v = match p {
                "Environment" => map(vec![
                    ("Type", s("String")),
                    ("Default", s("dev")),
                    ("AllowedValues", flow(&["dev", "staging", "prod"])),
                    ("Description", s("Deployment environment")),
                ]),
                "VpcId" => map(vec![
                    ("Type", s("AWS::EC2::VPC::Id")),
                    ("Description", s("VPC for the resources")),
                ]),
                "SubnetIds" => map(vec![
                    ("Type", s("List<AWS::EC2::Subnet::Id>")),
                    ("Description", s("Private subnets")),
                ]),
                "AmiId" => map(vec![
                    ("Type", s("AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>")),
                    (
                        "Default",
                        s("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"),
                    ),
                ]),
                "AdminCidr" => map(vec![
                    ("Type", s("String")),
                    ("Default", s("10.0.0.0/8")),
                    ("AllowedPattern", s(r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$")),
                ]),
                _ => map(vec![("Type", s("String"))]),
            };
            params.put(p, v);
        }
        if !params.0.is_empty() {
            t.put("Parameters", params.v());
        }
        if self.params.contains(&"Environment") {
            t.put(
                "Conditions",
                map(vec![
                    (
                        "IsProd",
                        tag("Equals", list(vec![cref("Environment"), s("prod")])),
                    ),
                    (
                        "IsNotDev",
                        tag(
                            "Not",
                            list(vec![tag(
                                "Equals",
                                list(vec![cref("Environment"), s("dev")]),
                            )]),
                        ),
                    ),
                ]),
            );
        }
        if self.rng.chance(15.0) {
            t.put(
                "Mappings",
                map(vec![(
                    "EnvSizes",
                    map(vec![
                        (
                            "dev",
                            map(vec![("InstanceType", s("t3.small")), ("Capacity", n(1))]),
                        ),
                        (
                            "staging",
                            map(vec![("InstanceType", s("t3.medium")), ("Capacity", n(2))]),
                        ),
                        (
                            "prod",
                            map(vec![("InstanceType", s("m6i.large")), ("Capacity", n(3))]),
                        ),
                    ]),
                )]),
            );
        }
        let resources = std::mem::take(&mut self.resources);
        t.put("Resources", V::Map(resources));
        if !self.outputs.is_empty() {
            let outs = std::mem::take(&mut self.outputs);
            t.put("Outputs", V::Map(outs));
        }
        t.v()
    }

    // ---- resources ------------------------------------------------------------------------

    fn ensure_kms(&mut self) -> String {
        if let Some(k) = &self.kms {
            return k.clone();
        }
        let id = self.id("EncryptionKey");
        self.kms_key(&id, false);
        self.kms = Some(id.clone());
        id
    }

    fn kms_key(&mut self, id: &str, bad: bool) {
        let mut p = M::new();
        p.put("Description", sub(format!("${{AWS::StackName}} {id}")));
        if bad {
            if self.rng.chance(50.0) {
                p.put("EnableKeyRotation", b(false));
            }
        } else {
            p.put("EnableKeyRotation", b(true));
        }
        p.put("PendingWindowInDays", n(30));
        p.put(
            "KeyPolicy",
            map(vec![
                ("Version", s("2012-10-17")),
                ("Id", s("key-default-1")),
                (
                    "Statement",
                    list(vec![
                        map(vec![
                            ("Sid", s("EnableRootPermissions")),
                            ("Effect", s("Allow")),
                            (
                                "Principal",
                                map(vec![("AWS", sub("arn:aws:iam::${AWS::AccountId}:root"))]),
                            ),
                            ("Action", s("kms:*")),
                            ("Resource", s("*")),
                        ]),
                        map(vec![
                            ("Sid", s("AllowServices")),
                            ("Effect", s("Allow")),
                            (
                                "Principal",
                                map(vec![(
                                    "Service",
                                    V::List(vec![
                                        s("logs.amazonaws.com"),
                                        s("cloudtrail.amazonaws.com"),
                                    ]),
                                )]),
                            ),
                            (
                                "Action",
                                V::List(vec![
                                    s("kms:Encrypt*"),
                                    s("kms:Decrypt*"),
                                    s("kms:GenerateDataKey*"),
                                    s("kms:Describe*"),
                                ]),
                            ),
                            ("Resource", s("*")),
                        ]),
                    ]),
                ),
            ]),
        );
        p.put("Tags", self.tags(id));
        self.add(id, "AWS::KMS::Key", vec![], p);
        let alias = self.id(&format!("{id}Alias"));
        let mut a = M::new();
        a.put(
            "AliasName",
            sub(format!("alias/${{AWS::StackName}}-{}", id.to_lowercase())),
        );
        a.put("TargetKeyId", cref(id));
        self.add(&alias, "AWS::KMS::Alias", vec![], a);
    }

    fn kms(&mut self) {
        let bad = self.bad();
        let id = self.id(self.rng.pick(&["DataKey", "LogsKey", "SecretsKey"]));
        self.kms_key(&id, bad);
        self.output(
            &format!("{id}Arn"),
            getatt(format!("{id}.Arn")),
            "KMS key ARN",
        );
    }

    fn bucket_props(&mut self, id: &str, which: usize, log: Option<&str>) -> M {
        let mut p = M::new();
        p.put(
            "BucketName",
            sub(format!(
                "${{AWS::StackName}}-{}-${{AWS::AccountId}}",
                id.to_lowercase()
            )),
        );
        if which == 0 {
            p.put(
                "AccessControl",
                s(self
                    .rng
                    .pick(&["PublicRead", "PublicReadWrite", "AuthenticatedRead"])),
            );
        } else if self.rng.chance(30.0) {
            p.put("AccessControl", s("Private"));
        }
        if which != 3 {
            let enc = if self.rng.chance(50.0) {
                let k = self.ensure_kms();
                map(vec![
                    ("SSEAlgorithm", s("aws:kms")),
                    ("KMSMasterKeyID", getatt(format!("{k}.Arn"))),
                ])
            } else {
                map(vec![("SSEAlgorithm", s("AES256"))])
            };
            p.put(
                "BucketEncryption",
                map(vec![(
                    "ServerSideEncryptionConfiguration",
                    list(vec![map(vec![
                        ("ServerSideEncryptionByDefault", enc),
                        ("BucketKeyEnabled", b(true)),
                    ])]),
                )]),
            );
        }
        if which != 4 {
            let weak = if which == 1 {
                Some(self.rng.below(4))
            } else {
                None
            };
            let mut pab = M::new();
            for (i, k) in [
                "BlockPublicAcls",
                "BlockPublicPolicy",
                "IgnorePublicAcls",
                "RestrictPublicBuckets",
            ]
            .iter()
            .enumerate()
            {
                pab.put(k, b(weak != Some(i)));
            }
            p.put("PublicAccessBlockConfiguration", pab.v());
        }
        if which == 2 {
            if self.rng.chance(50.0) {
                p.put(
                    "VersioningConfiguration",
                    map(vec![("Status", s("Suspended"))]),
                );
            }
        } else {
            p.put(
                "VersioningConfiguration",
                map(vec![("Status", s("Enabled"))]),
            );
        }
        if let Some(l) = log {
            p.put(
                "LoggingConfiguration",
                map(vec![
                    ("DestinationBucketName", cref(l)),
                    ("LogFilePrefix", s(format!("{}/", id.to_lowercase()))),
                ]),
            );
        }
        if self.rng.chance(40.0) {
            p.put(
                "LifecycleConfiguration",
                map(vec![(
                    "Rules",
                    list(vec![map(vec![
                        ("Id", s("transition-and-expire")),
                        ("Status", s("Enabled")),
                        (
                            "Transitions",
                            list(vec![map(vec![
                                ("StorageClass", s("STANDARD_IA")),
                                ("TransitionInDays", n(self.rng.range(30, 90))),
                            ])]),
                        ),
                        (
                            "NoncurrentVersionExpiration",
                            map(vec![("NoncurrentDays", n(self.rng.range(30, 365)))]),
                        ),
                    ])]),
                )]),
            );
        }
        p.put("Tags", self.tags(id));
        p
    }

    fn ensure_log_bucket(&mut self) -> String {
        if let Some(l) = &self.log_bucket {
            return l.clone();
        }
        let id = self.id("AccessLogsBucket");
        let mut p = self.bucket_props(&id, 99, None);
        p.0.retain(|(k, _)| k != "AccessControl");
        p.0.insert(1, ("AccessControl".into(), s("LogDeliveryWrite")));
        p.0.insert(
            2,
            (
                "OwnershipControls".into(),
                map(vec![(
                    "Rules",
                    list(vec![map(vec![("ObjectOwnership", s("ObjectWriter"))])]),
                )]),
            ),
        );
        self.add(
            &id,
            "AWS::S3::Bucket",
            vec![
                ("DeletionPolicy", s("Retain")),
                ("UpdateReplacePolicy", s("Retain")),
            ],
            p,
        );
        self.log_bucket = Some(id.clone());
        id
    }

    fn s3(&mut self) {
        let bad = self.bad();
        // 0 public ACL, 1 weak PAB, 2 versioning, 3 no encryption, 4 no PAB, 5 no logging
        let which = if bad { self.rng.below(6) } else { 99 };
        let log = if which != 5 {
            Some(self.ensure_log_bucket())
        } else {
            None
        };
        let id = self.id(&format!(
            "{}Bucket",
            self.rng.pick(&[
                "Data",
                "Assets",
                "Artifacts",
                "Uploads",
                "Exports",
                "Reports",
                "Backup"
            ])
        ));
        let p = self.bucket_props(&id, which, log.as_deref());
        let extra = if self.rng.chance(50.0) {
            vec![
                ("DeletionPolicy", s("Retain")),
                ("UpdateReplacePolicy", s("Retain")),
            ]
        } else {
            vec![]
        };
        self.add(&id, "AWS::S3::Bucket", extra, p);
        if self.rng.chance(40.0) {
            let pid = self.id(&format!("{id}Policy"));
            let mut p = M::new();
            p.put("Bucket", cref(&id));
            p.put(
                "PolicyDocument",
                map(vec![
                    ("Version", s("2012-10-17")),
                    (
                        "Statement",
                        list(vec![map(vec![
                            ("Sid", s("DenyInsecureTransport")),
                            ("Effect", s("Deny")),
                            ("Principal", s("*")),
                            ("Action", s("s3:*")),
                            (
                                "Resource",
                                list(vec![
                                    getatt(format!("{id}.Arn")),
                                    sub(format!("${{{id}.Arn}}/*")),
                                ]),
                            ),
                            (
                                "Condition",
                                map(vec![(
                                    "Bool",
                                    map(vec![("aws:SecureTransport", s("false"))]),
                                )]),
                            ),
                        ])]),
                    ),
                ]),
            );
            self.add(&pid, "AWS::S3::BucketPolicy", vec![], p);
        }
        self.output(&format!("{id}Name"), cref(&id), "Bucket name");
    }

    fn ingress_rule(&mut self, bad: Option<usize>) -> V {
        match bad {
            Some(0) => map(vec![
                ("IpProtocol", s("tcp")),
                ("FromPort", n(22)),
                ("ToPort", n(22)),
                ("CidrIp", s("0.0.0.0/0")),
                ("Description", s("SSH")),
            ]),
            Some(1) => map(vec![
                ("IpProtocol", s("tcp")),
                ("FromPort", n(3389)),
                ("ToPort", n(3389)),
                ("CidrIp", s("0.0.0.0/0")),
            ]),
            Some(2) => map(vec![
                ("IpProtocol", s("-1")),
                ("CidrIp", s("0.0.0.0/0")),
                ("Description", s("everything")),
            ]),
            Some(_) => map(vec![
                ("IpProtocol", s("tcp")),
                ("FromPort", n(0)),
                ("ToPort", n(65535)),
                ("CidrIpv6", s("::/0")),
            ]),
            None => match self.rng.below(4) {
                0 => map(vec![
                    ("IpProtocol", s("tcp")),
                    ("FromPort", n(443)),
                    ("ToPort", n(443)),
                    ("CidrIp", s("0.0.0.0/0")),
                    ("Description", s("HTTPS")),
                ]),
                1 => {
                    self.param("AdminCidr");
                    map(vec![
                        ("IpProtocol", s("tcp")),
                        ("FromPort", n(22)),
                        ("ToPort", n(22)),
                        ("CidrIp", cref("AdminCidr")),
                    ])
                }
                2 => map(vec![
                    ("IpProtocol", s("tcp")),
                    ("FromPort", n(5432)),
                    ("ToPort", n(5432)),
                    ("CidrIp", s("10.0.0.0/8")),
                ]),
                _ => map(vec![
                    ("IpProtocol", s("tcp")),
                    ("FromPort", n(80)),
                    ("ToPort", n(80)),
                    ("CidrIpv6", s("::/0")),
                ]),
            },
        }
    }

    fn security_group(&mut self) {
        let bad = self.bad();
        self.param("VpcId");
        let id = self.id(&format!(
            "{}SecurityGroup",
            self.rng
                .pick(&["Web", "App", "Db", "Bastion", "Alb", "Cache"])
        ));
        let k = self.rng.range(1, 4);
        let bad_at = if bad { Some(self.rng.below(k)) } else { None };
        let mut rules = Vec::new();
        for i in 0..k {
            let kind = if bad_at == Some(i) {
                Some(self.rng.below(4))
            } else {
                None
            };
            rules.push(self.ingress_rule(kind));
        }
        let mut p = M::new();
        p.put("GroupDescription", s(format!("{id} for {}", self.service)));
        p.put("VpcId", cref("VpcId"));
        p.put("SecurityGroupIngress", V::List(rules));
        p.put(
            "SecurityGroupEgress",
            list(vec![map(vec![
                ("IpProtocol", s("-1")),
                ("CidrIp", s("0.0.0.0/0")),
            ])]),
        );
        p.put("Tags", self.tags(&id));
        self.add(&id, "AWS::EC2::SecurityGroup", vec![], p);
        self.sg = Some(id.clone());
        self.output(
            &format!("{id}Id"),
            getatt(format!("{id}.GroupId")),
            "Security group id",
        );
    }

    fn sg_ingress(&mut self) {
        let bad = self.bad();
        if self.sg.is_none() {
            // standalone rules refer to a group of this template
            self.stats.checked -= 1;
            if bad {
                self.stats.insecure -= 1;
            }
            self.security_group();
            return;
        }
        let sg = self.sg.clone().unwrap();
        let id = self.id(&format!("{sg}Ingress"));
        let rule = self.ingress_rule(if bad { Some(self.rng.below(4)) } else { None });
        let mut p = M::new();
        p.put(
            "GroupId",
            if self.rng.chance(50.0) {
                cref(&sg)
            } else {
                getatt(format!("{sg}.GroupId"))
            },
        );
        if let V::Map(e) = rule {
            for (k, v) in e {
                p.put(&k, v);
            }
        }
        self.add(&id, "AWS::EC2::SecurityGroupIngress", vec![], p);
    }

    fn rds(&mut self) {
        let bad = self.bad();
        let which = if bad { self.rng.below(3) } else { 9 };
        self.param("SubnetIds");
        let sng = self.id("DbSubnetGroup");
        let mut p = M::new();
        p.put("DBSubnetGroupDescription", s("private subnets"));
        p.put("SubnetIds", cref("SubnetIds"));
        self.add(&sng, "AWS::RDS::DBSubnetGroup", vec![], p);
        let id = self.id("Database");
        let mut p = M::new();
        p.put(
            "DBInstanceIdentifier",
            sub(format!("${{AWS::StackName}}-{}", id.to_lowercase())),
        );
        let (engine, ver) = self.rng.pick(&[("postgres", "15.4"), ("mysql", "8.0.35")]);
        p.put("Engine", s(engine));
        p.put("EngineVersion", s(ver));
        p.put(
            "DBInstanceClass",
            tag(
                "If",
                list(vec![s("IsProd"), s("db.r6g.large"), s("db.t3.medium")]),
            ),
        );
        self.param("Environment");
        p.put("AllocatedStorage", s(self.rng.range(20, 500).to_string()));
        p.put("StorageType", s("gp3"));
        if which == 1 {
            if self.rng.chance(50.0) {
                p.put("StorageEncrypted", b(false));
            }
        } else {
            p.put("StorageEncrypted", b(true));
            if self.rng.chance(50.0) {
                let k = self.ensure_kms();
                p.put("KmsKeyId", cref(&k));
            }
        }
        p.put("MasterUsername", s("app_admin"));
        if self.rng.chance(50.0) {
            p.put("ManageMasterUserPassword", b(true));
        } else {
            p.put(
                "MasterUserPassword",
                s(format!(
                    "{{{{resolve:secretsmanager:{}-db-master:SecretString:password}}}}",
                    self.service
                )),
            );
        }
        p.put("DBSubnetGroupName", cref(&sng));
        if let Some(sg) = self.sg.clone() {
            p.put(
                "VPCSecurityGroups",
                list(vec![getatt(format!("{sg}.GroupId"))]),
            );
        }
        p.put("PubliclyAccessible", b(which == 0));
        p.put(
            "MultiAZ",
            tag("If", list(vec![s("IsProd"), b(true), b(false)])),
        );
        p.put(
            "BackupRetentionPeriod",
            n(if which == 2 { 0 } else { self.rng.range(7, 35) }),
        );
        p.put("PreferredBackupWindow", s("03:00-04:00"));
        p.put("DeletionProtection", b(true));
        p.put("CopyTagsToSnapshot", b(true));
        p.put("EnablePerformanceInsights", b(true));
        p.put(
            "EnableCloudwatchLogsExports",
            flow(if engine == "postgres" {
                &["postgresql", "upgrade"]
            } else {
                &["error", "slowquery"]
            }),
        );
        p.put("Tags", self.tags(&id));
        self.add(
            &id,
            "AWS::RDS::DBInstance",
            vec![
                ("DeletionPolicy", s("Snapshot")),
                ("UpdateReplacePolicy", s("Snapshot")),
            ],
            p,
        );
        self.output(
            &format!("{id}Endpoint"),
            getatt(format!("{id}.Endpoint.Address")),
            "Database endpoint",
        );
    }

    fn rds_cluster(&mut self) {
        let bad = self.bad();
        let id = self.id("AuroraCluster");
        let mut p = M::new();
        p.put("Engine", s("aurora-postgresql"));
        p.put("EngineVersion", s("15.4"));
        p.put("DatabaseName", s("app"));
        p.put("MasterUsername", s("app_admin"));
        p.put("ManageMasterUserPassword", b(true));
        p.put("StorageEncrypted", b(!bad));
        p.put("BackupRetentionPeriod", n(14));
        p.put("DeletionProtection", b(true));
        p.put("Tags", self.tags(&id));
        self.add(
            &id,
            "AWS::RDS::DBCluster",
            vec![("DeletionPolicy", s("Snapshot"))],
            p,
        );
        for i in 1..=2 {
            let iid = self.id(&format!("AuroraInstance{i}"));
            let mut p = M::new();
            p.put("DBClusterIdentifier", cref(&id));
            p.put("DBInstanceClass", s("db.r6g.large"));
            p.put("Engine", s("aurora-postgresql"));
            p.put("PubliclyAccessible", b(false));
            self.add(&iid, "AWS::RDS::DBInstance", vec![], p);
        }
    }

    fn volume(&mut self) {
        let bad = self.bad();
        let id = self.id(&format!(
            "{}Volume",
            self.rng.pick(&["Data", "Logs", "Scratch"])
        ));
        let mut p = M::new();
        p.put(
            "AvailabilityZone",
            tag("Select", list(vec![n(0), tag("GetAZs", s(""))])),
        );
        p.put("Size", n(self.rng.range(20, 2000)));
        p.put("VolumeType", s("gp3"));
        if bad {
            if self.rng.chance(50.0) {
                p.put("Encrypted", b(false));
            }
        } else {
            p.put("Encrypted", b(true));
            if self.rng.chance(50.0) {
                let k = self.ensure_kms();
                p.put("KmsKeyId", cref(&k));
            }
        }
        p.put("Tags", self.tags(&id));
        self.add(
            &id,
            "AWS::EC2::Volume",
            vec![("DeletionPolicy", s("Snapshot"))],
            p,
        );
    }

    fn launch_template(&mut self) {
        let bad = self.bad();
        self.param("AmiId");
        let id = self.id("LaunchTemplate");
        let mut d = M::new();
        d.put("ImageId", cref("AmiId"));
        d.put("InstanceType", s("m6i.large"));
        if !(bad && self.rng.chance(50.0)) {
            d.put(
                "MetadataOptions",
                map(vec![
                    ("HttpEndpoint", s("enabled")),
                    ("HttpTokens", s(if bad { "optional" } else { "required" })),
                    ("HttpPutResponseHopLimit", n(2)),
                ]),
            );
        }
        d.put(
            "BlockDeviceMappings",
            list(vec![map(vec![
                ("DeviceName", s("/dev/xvda")),
                (
                    "Ebs",
                    map(vec![
                        ("VolumeSize", n(50)),
                        ("VolumeType", s("gp3")),
                        ("Encrypted", b(true)),
                    ]),
                ),
            ])]),
        );
        let script = format!(
            "#!/bin/bash\nset -euo pipefail\nyum install -y aws-cfn-bootstrap\necho \"ENVIRONMENT=${{Environment}}\" >> /etc/{svc}.env\n/opt/aws/bin/cfn-signal -e $? --stack ${{AWS::StackName}} --resource {id} --region ${{AWS::Region}}\n",
            svc = self.service
        );
        self.param("Environment");
        d.put(
            "UserData",
            map(vec![("Fn::Base64", tag("Sub", V::Block(script)))]),
        );
        d.put(
            "TagSpecifications",
            list(vec![map(vec![
                ("ResourceType", s("instance")),
                ("Tags", self.tags(&id)),
            ])]),
        );
        let mut p = M::new();
        p.put(
            "LaunchTemplateName",
            sub(format!("${{AWS::StackName}}-{}", id.to_lowercase())),
        );
        p.put("LaunchTemplateData", d.v());
        self.add(&id, "AWS::EC2::LaunchTemplate", vec![], p);
    }

    fn ensure_role(&mut self, service: &str) -> String {
        if let Some(r) = &self.role {
            return r.clone();
        }
        let id = self.id("ServiceRole");
        self.role_res(&id, service);
        self.role = Some(id.clone());
        id
    }

    fn role_res(&mut self, id: &str, service: &str) {
        let mut p = M::new();
        p.put(
            "AssumeRolePolicyDocument",
            map(vec![
                ("Version", s("2012-10-17")),
                (
                    "Statement",
                    list(vec![map(vec![
                        ("Effect", s("Allow")),
                        ("Principal", map(vec![("Service", list(vec![s(service)]))])),
                        ("Action", list(vec![s("sts:AssumeRole")])),
                    ])]),
                ),
            ]),
        );
        p.put(
            "ManagedPolicyArns",
            list(vec![sub(
                "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            )]),
        );
        p.put(
            "Policies",
            list(vec![map(vec![
                ("PolicyName", s("access")),
                (
                    "PolicyDocument",
                    map(vec![
                        ("Version", s("2012-10-17")),
                        (
                            "Statement",
                            list(vec![
                                map(vec![
                                    ("Effect", s("Allow")),
                                    ("Action", list(vec![s("s3:GetObject"), s("s3:PutObject")])),
                                    ("Resource", sub("arn:${AWS::Partition}:s3:::${AWS::StackName}-*/*")),
                                ]),
                                map(vec![
                                    ("Effect", s("Allow")),
                                    ("Action", list(vec![s("sqs:SendMessage"), s("sqs:ReceiveMessage"), s("sqs:DeleteMessage")])),
                                    ("Resource", sub("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}-*")),
                                ]),
                            ]),
                        ),
                    ]),
                ),
            ])]),
        );
        p.put("Tags", self.tags(id));
        self.add(id, "AWS::IAM::Role", vec![], p);
    }

    fn iam_role(&mut self) {
        let id = self.id(&format!(
            "{}Role",
            self.rng.pick(&["Worker", "Deploy", "Reader", "Task"])
        ));
        let svc = self.rng.pick(&[
            "ecs-tasks.amazonaws.com",
            "lambda.amazonaws.com",
            "ec2.amazonaws.com",
        ]);
        self.role_res(&id, svc);
        self.output(&format!("{id}Arn"), getatt(format!("{id}.Arn")), "Role ARN");
    }

    fn eks(&mut self) {
        let bad = self.bad();
        self.param("SubnetIds");
        let role = self.ensure_role("eks.amazonaws.com");
        let k = self.ensure_kms();
        let id = self.id("EksCluster");
        let mut vpc = M::new();
        vpc.put("SubnetIds", cref("SubnetIds"));
        vpc.put("EndpointPrivateAccess", b(true));
        match (bad, self.rng.below(3)) {
            (true, 0) => {
                vpc.put("EndpointPublicAccess", b(true));
            }
            (true, 1) => {
                vpc.put("EndpointPublicAccess", b(true));
                vpc.put("PublicAccessCidrs", list(vec![s("0.0.0.0/0")]));
            }
            (true, _) => {}
            (false, 0) => {
                vpc.put("EndpointPublicAccess", b(true));
                vpc.put("PublicAccessCidrs", list(vec![s("203.0.113.0/24")]));
            }
            _ => {
                vpc.put("EndpointPublicAccess", b(false));
            }
        }
        let mut p = M::new();
        p.put("Name", sub("${AWS::StackName}-eks"));
        p.put("Version", s("1.29"));
        p.put("RoleArn", getatt(format!("{role}.Arn")));
        p.put("ResourcesVpcConfig", vpc.v());
        p.put(
            "EncryptionConfig",
            list(vec![map(vec![
                (
                    "Provider",
                    map(vec![("KeyArn", getatt(format!("{k}.Arn")))]),
                ),
                ("Resources", flow(&["secrets"])),
            ])]),
        );
        p.put(
            "Logging",
            map(vec![(
                "ClusterLogging",
                map(vec![(
                    "EnabledTypes",
                    list(vec![
                        map(vec![("Type", s("api"))]),
                        map(vec![("Type", s("audit"))]),
                    ]),
                )]),
            )]),
        );
        self.add(&id, "AWS::EKS::Cluster", vec![], p);
        self.output(
            "ClusterEndpoint",
            getatt(format!("{id}.Endpoint")),
            "EKS endpoint",
        );
    }

    fn trail(&mut self) {
        let bad = self.bad();
        let which = if bad { self.rng.below(3) } else { 9 };
        let log = self.ensure_log_bucket();
        let k = self.ensure_kms();
        let id = self.id("AuditTrail");
        let mut p = M::new();
        p.put("TrailName", sub("${AWS::StackName}-trail"));
        p.put("IsLogging", b(true));
        p.put("S3BucketName", cref(&log));
        p.put("IncludeGlobalServiceEvents", b(true));
        p.put("IsMultiRegionTrail", b(which != 0));
        if which == 1 {
            if self.rng.chance(50.0) {
                p.put("EnableLogFileValidation", b(false));
            }
        } else {
            p.put("EnableLogFileValidation", b(true));
        }
        if which != 2 {
            p.put("KMSKeyId", cref(&k));
        }
        p.put(
            "EventSelectors",
            list(vec![map(vec![
                ("ReadWriteType", s("All")),
                ("IncludeManagementEvents", b(true)),
                (
                    "DataResources",
                    list(vec![map(vec![
                        ("Type", s("AWS::S3::Object")),
                        ("Values", list(vec![sub("arn:${AWS::Partition}:s3")])),
                    ])]),
                ),
            ])]),
        );
        self.add(&id, "AWS::CloudTrail::Trail", vec![], p);
    }

    fn sns(&mut self) {
        let bad = self.bad();
        let id = self.id(&format!(
            "{}Topic",
            self.rng.pick(&["Alerts", "Events", "Deployments"])
        ));
        let mut p = M::new();
        p.put(
            "TopicName",
            sub(format!("${{AWS::StackName}}-{}", id.to_lowercase())),
        );
        if !bad {
            if self.rng.chance(50.0) {
                p.put("KmsMasterKeyId", s("alias/aws/sns"));
            } else {
                let k = self.ensure_kms();
                p.put("KmsMasterKeyId", cref(&k));
            }
        }
        if self.rng.chance(50.0) {
            p.put(
                "Subscription",
                list(vec![map(vec![
                    ("Protocol", s("email")),
                    (
                        "Endpoint",
                        s(format!("{}-oncall@example.com", self.service)),
                    ),
                ])]),
            );
        }
        p.put("Tags", self.tags(&id));
        self.add(&id, "AWS::SNS::Topic", vec![], p);
        self.output(&format!("{id}Arn"), cref(&id), "Topic ARN");
    }

    fn sqs(&mut self) {
        let bad = self.bad();
        let base = self
            .rng
            .pick(&["Jobs", "Events", "Ingest", "Notifications"]);
        let dlq = self.id(&format!("{base}DeadLetterQueue"));
        let mut p = M::new();
        p.put("MessageRetentionPeriod", n(1209600));
        p.put("SqsManagedSseEnabled", b(true));
        self.add(&dlq, "AWS::SQS::Queue", vec![], p);
        let id = self.id(&format!("{base}Queue"));
        let mut p = M::new();
        p.put(
            "QueueName",
            sub(format!("${{AWS::StackName}}-{}", base.to_lowercase())),
        );
        p.put("VisibilityTimeout", n(self.rng.range(30, 900)));
        p.put("ReceiveMessageWaitTimeSeconds", n(20));
        if bad {
            p.put("SqsManagedSseEnabled", b(false));
        } else if self.rng.chance(50.0) {
            let k = self.ensure_kms();
            p.put("KmsMasterKeyId", cref(&k));
        }
        p.put(
            "RedrivePolicy",
            map(vec![
                ("deadLetterTargetArn", getatt(format!("{dlq}.Arn"))),
                ("maxReceiveCount", n(5)),
            ]),
        );
        p.put("Tags", self.tags(&id));
        self.add(&id, "AWS::SQS::Queue", vec![], p);
        self.output(&format!("{id}Url"), cref(&id), "Queue URL");
    }

    fn dynamodb(&mut self) {
        let bad = self.bad();
        let id = self.id(&format!(
            "{}Table",
            self.rng.pick(&["Sessions", "Orders", "Events", "Locks"])
        ));
        let mut p = M::new();
        p.put(
            "TableName",
            sub(format!("${{AWS::StackName}}-{}", id.to_lowercase())),
        );
        p.put("BillingMode", s("PAY_PER_REQUEST"));
        p.put(
            "AttributeDefinitions",
            list(vec![
                map(vec![("AttributeName", s("pk")), ("AttributeType", s("S"))]),
                map(vec![("AttributeName", s("sk")), ("AttributeType", s("S"))]),
            ]),
        );
        p.put(
            "KeySchema",
            list(vec![
                map(vec![("AttributeName", s("pk")), ("KeyType", s("HASH"))]),
                map(vec![("AttributeName", s("sk")), ("KeyType", s("RANGE"))]),
            ]),
        );
        if !bad || self.rng.chance(50.0) {
            p.put(
                "PointInTimeRecoverySpecification",
                map(vec![("PointInTimeRecoveryEnabled", b(!bad))]),
            );
        }
        p.put("SSESpecification", map(vec![("SSEEnabled", b(true))]));
        p.put(
            "TimeToLiveSpecification",
            map(vec![
                ("AttributeName", s("expires_at")),
                ("Enabled", b(true)),
            ]),
        );
        p.put("Tags", self.tags(&id));
        self.add(
            &id,
            "AWS::DynamoDB::Table",
            vec![("DeletionPolicy", s("Retain"))],
            p,
        );
        self.output(&format!("{id}Name"), cref(&id), "Table name");
    }

    fn ecr(&mut self) {
        let bad = self.bad();
        let which = if bad { self.rng.below(2) } else { 9 };
        let id = self.id(&format!(
            "{}Repository",
            self.rng.pick(&["Api", "Worker", "Web"])
        ));
        let mut p = M::new();
        p.put(
            "RepositoryName",
            s(format!(
                "{}/{}",
                self.service,
                id.trim_end_matches("Repository").to_lowercase()
            )),
        );
        p.put(
            "ImageTagMutability",
            s(if which == 0 { "MUTABLE" } else { "IMMUTABLE" }),
        );
        p.put(
            "ImageScanningConfiguration",
            map(vec![("ScanOnPush", b(which != 1))]),
        );
        p.put(
            "EncryptionConfiguration",
            map(vec![("EncryptionType", s("KMS"))]),
        );
        p.put(
            "LifecyclePolicy",
            map(vec![(
                "LifecyclePolicyText",
                s(r#"{"rules":[{"rulePriority":1,"description":"keep 30","selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":30},"action":{"type":"expire"}}]}"#),
            )]),
        );
        self.add(&id, "AWS::ECR::Repository", vec![], p);
    }

    fn lambda(&mut self) {
        let role = self.ensure_role("lambda.amazonaws.com");
        let id = self.id(&format!(
            "{}Function",
            self.rng
                .pick(&["Handler", "Processor", "Authorizer", "Cron"])
        ));
        let code = format!(
            "import json\nimport os\n\n\ndef handler(event, context):\n    print(json.dumps({{\"service\": \"{}\", \"records\": len(event.get(\"Records\", []))}}))\n    return {{\"statusCode\": 200, \"body\": os.environ.get(\"ENVIRONMENT\", \"dev\")}}\n",
            self.service
        );
        let mut p = M::new();
        p.put(
            "FunctionName",
            sub(format!("${{AWS::StackName}}-{}", id.to_lowercase())),
        );
        p.put("Runtime", s("python3.12"));
        p.put("Handler", s("index.handler"));
        p.put("Role", getatt(format!("{role}.Arn")));
        p.put("Timeout", n(30));
        p.put("MemorySize", n(256));
        p.put("Code", map(vec![("ZipFile", V::Block(code))]));
        self.param("Environment");
        p.put(
            "Environment",
            map(vec![(
                "Variables",
                map(vec![
                    ("ENVIRONMENT", cref("Environment")),
                    ("LOG_LEVEL", s("INFO")),
                ]),
            )]),
        );
        p.put("TracingConfig", map(vec![("Mode", s("Active"))]));
        p.put("Tags", self.tags(&id));
        self.add(&id, "AWS::Lambda::Function", vec![], p);
        let lg = self.id(&format!("{id}LogGroup"));
        let mut p = M::new();
        p.put("LogGroupName", sub(format!("/aws/lambda/${{{id}}}")));
        p.put("RetentionInDays", n(30));
        self.add(&lg, "AWS::Logs::LogGroup", vec![], p);
    }

    fn log_group(&mut self) {
        let id = self.id(&format!(
            "{}LogGroup",
            self.rng.pick(&["App", "Access", "Audit"])
        ));
        let mut p = M::new();
        p.put(
            "LogGroupName",
            sub(format!("/${{AWS::StackName}}/{}", id.to_lowercase())),
        );
        p.put("RetentionInDays", n(self.rng.pick(&[30, 90, 365])));
        if self.rng.chance(40.0) {
            let k = self.ensure_kms();
            p.put("KmsKeyId", getatt(format!("{k}.Arn")));
        }
        self.add(&id, "AWS::Logs::LogGroup", vec![], p);
    }

    fn ssm(&mut self) {
        let id = self.id(&format!(
            "{}Parameter",
            self.rng.pick(&["Endpoint", "Config", "Version"])
        ));
        let mut p = M::new();
        p.put(
            "Name",
            sub(format!("/${{AWS::StackName}}/{}", id.to_lowercase())),
        );
        p.put("Type", s("String"));
        p.put(
            "Value",
            tag(
                "Join",
                list(vec![
                    s(","),
                    list(vec![s("a"), s("b"), cref("AWS::Region")]),
                ]),
            ),
        );
        self.add(&id, "AWS::SSM::Parameter", vec![], p);
    }
}
