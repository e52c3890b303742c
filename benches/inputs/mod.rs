//! Generated inputs shared by the benchmarks: deterministic text in each format, written the
//! way the corpus generator writes it (a mix of secure and insecure settings).

/// Terraform: `n` S3 buckets with their split resources, security groups and variables.
pub fn terraform(n: usize) -> String {
    let mut s = String::from(
        "variable \"env\" {\n  type    = string\n  default = \"prod\"\n}\n\nlocals {\n  tags = {\n    Environment = var.env\n    Team        = \"platform\"\n  }\n}\n\n",
    );
    for i in 0..n {
        let acl = if i % 5 == 0 { "public-read" } else { "private" };
        let cidr = if i % 7 == 0 {
            "0.0.0.0/0"
        } else {
            "10.0.0.0/8"
        };
        s.push_str(&format!(
            r#"resource "aws_s3_bucket" "data_{i}" {{
  bucket = "acme-${{var.env}}-data-{i}"
  tags   = merge(local.tags, {{ Name = "data-{i}" }})
}}

resource "aws_s3_bucket_acl" "data_{i}" {{
  bucket = aws_s3_bucket.data_{i}.id
  acl    = "{acl}"
}}

resource "aws_s3_bucket_public_access_block" "data_{i}" {{
  bucket                  = aws_s3_bucket.data_{i}.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

# ingress for service {i}
resource "aws_security_group" "svc_{i}" {{
  name   = "svc-{i}"
  vpc_id = "vpc-123456"

  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["{cidr}"]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

"#
        ));
    }
    s
}

/// Kubernetes: `n` documents (a Deployment and a Service each), multi-document YAML.
pub fn kubernetes(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let privileged = i % 5 == 0;
        let image = if i % 7 == 0 {
            "nginx:latest"
        } else {
            "nginx:1.27.3"
        };
        s.push_str(&format!(
            r#"---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  namespace: shop
  labels:
    app: web-{i}
  annotations:
    owner: team-{i}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web-{i}
  template:
    metadata:
      labels:
        app: web-{i}
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
      containers:
        - name: web
          image: {image}
          ports:
            - containerPort: 8080
          env:
            - name: MODE
              value: production
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db
                  key: password
          securityContext:
            privileged: {privileged}
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            limits:
              cpu: 500m
              memory: 256Mi
            requests:
              cpu: 100m
              memory: 128Mi
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web-{i}
  namespace: shop
spec:
  selector:
    app: web-{i}
  ports:
    - port: 80
      targetPort: 8080
"#
        ));
    }
    s
}

/// CloudFormation as JSON: a template of `n` buckets and `n` security groups.
pub fn cloudformation_json(n: usize) -> String {
    let mut res = Vec::new();
    for i in 0..n {
        let acl = if i % 5 == 0 { "PublicRead" } else { "Private" };
        let cidr = if i % 7 == 0 {
            "0.0.0.0/0"
        } else {
            "10.0.0.0/8"
        };
        res.push(format!(
            r#"    "Bucket{i}": {{
      "Type": "AWS::S3::Bucket",
      "Properties": {{
        "BucketName": {{ "Fn::Sub": "acme-${{Env}}-{i}" }},
        "AccessControl": "{acl}",
        "VersioningConfiguration": {{ "Status": "Enabled" }},
        "BucketEncryption": {{
          "ServerSideEncryptionConfiguration": [
            {{ "ServerSideEncryptionByDefault": {{ "SSEAlgorithm": "aws:kms" }} }}
          ]
        }}
      }}
    }},
    "Group{i}": {{
      "Type": "AWS::EC2::SecurityGroup",
      "Properties": {{
        "GroupDescription": "service {i}",
        "VpcId": {{ "Ref": "Vpc" }},
        "SecurityGroupIngress": [
          {{ "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "{cidr}" }}
        ]
      }}
    }}"#
        ));
    }
    format!(
        "{{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n  \"Parameters\": {{\n    \"Env\": {{ \"Type\": \"String\", \"Default\": \"prod\" }},\n    \"Vpc\": {{ \"Type\": \"String\" }}\n  }},\n  \"Resources\": {{\n{}\n  }}\n}}\n",
        res.join(",\n")
    )
}
