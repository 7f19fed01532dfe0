variable "project_id" {
  description = "GCP project that holds the platform."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a GCP project id: 6-30 lower-case letters, digits or hyphens."
  }
}

variable "region" {
  description = "Region of the bucket, the Dataproc cluster and the VM's subnet."
  type        = string
  default     = "southamerica-east1"
}

variable "zone" {
  description = "Zone of the VM and of the Dataproc cluster's nodes (inside var.region)."
  type        = string
  default     = "southamerica-east1-a"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]-[a-z]$", var.zone))
    error_message = "zone must look like southamerica-east1-a."
  }
}

variable "name" {
  description = "Prefix of every resource name; also the lake bucket's prefix (bucket names are global)."
  type        = string
  default     = "datalake"

  validation {
    # <= 14: "<name>-spark" prefixes the ephemeral clusters' names (at most 20 characters, datalake.dataproc).
    condition     = can(regex("^[a-z][a-z0-9-]{2,13}$", var.name))
    error_message = "name must be 3-14 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "subnet_cidr" {
  description = "Private range of the platform's subnet (the VM and the Dataproc nodes)."
  type        = string
  default     = "10.20.0.0/24"

  validation {
    condition     = can(cidrnetmask(var.subnet_cidr))
    error_message = "subnet_cidr must be an IPv4 CIDR block."
  }
}

variable "raw_retention_days" {
  description = "Days an object stays in the raw zone (lake/raw/) before the lifecycle rule deletes it."
  type        = number
  default     = 90

  validation {
    condition     = var.raw_retention_days >= 7
    error_message = "raw_retention_days must be at least 7: curation re-reads the last days of raw files."
  }
}

variable "noncurrent_version_days" {
  description = "Days a replaced or deleted object version is kept (versioning is on) before it is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

variable "dataproc_image_version" {
  description = "Dataproc image: 3.0 carries Spark 4.1.2 and Delta 4.2.0 (the jobs are written for pyspark 4.2; see terraform/README.md)."
  type        = string
  default     = "3.0-debian13"

  validation {
    condition     = can(regex("^3\\.", var.dataproc_image_version))
    error_message = "The jobs need Spark 4: use a Dataproc 3.x image."
  }
}

variable "dataproc_mode" {
  description = "ephemeral: the DAGs create and delete a cluster around each run; named: one long-lived cluster created here."
  type        = string
  default     = "ephemeral"

  validation {
    condition     = contains(["ephemeral", "named"], var.dataproc_mode)
    error_message = "dataproc_mode must be ephemeral or named."
  }
}

variable "dataproc_worker_count" {
  description = "Primary workers of the named cluster (0 = single node)."
  type        = number
  default     = 2

  validation {
    condition     = var.dataproc_worker_count == 0 || var.dataproc_worker_count >= 2
    error_message = "Dataproc takes 0 (single node) or at least 2 primary workers."
  }
}

variable "dataproc_machine_type" {
  description = "Machine type of the Dataproc master and workers."
  type        = string
  default     = "n2-standard-4"
}

variable "vm_machine_type" {
  description = "Machine type of the VM running Kafka, Connect, MariaDB, Mongo, the metastore and Airflow (the native platform needs about 8 GiB)."
  type        = string
  default     = "e2-standard-4"
}

variable "vm_disk_gb" {
  description = "Boot disk of the VM in GB (Kafka logs, MariaDB, PostgreSQL)."
  type        = number
  default     = 100

  validation {
    condition     = var.vm_disk_gb >= 50
    error_message = "vm_disk_gb must be at least 50."
  }
}

variable "repo_url" {
  description = "Git URL the VM clones the platform from."
  type        = string
}

variable "repo_ref" {
  description = "Branch, tag or commit the VM checks out."
  type        = string
  default     = "main"
}

variable "admin_members" {
  description = "Who may open an IAP SSH tunnel to the VM (e.g. user:ana@example.com, group:data-eng@example.com)."
  type        = list(string)

  validation {
    condition     = alltrue([for m in var.admin_members : can(regex("^(user|group|serviceAccount):", m))])
    error_message = "admin_members must be IAM members: user:, group: or serviceAccount:."
  }
}
