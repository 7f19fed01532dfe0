# Spark on Dataproc. One cluster definition, used two ways (var.dataproc_mode):
# - ephemeral (default): written to the artifacts bucket as Dataproc API JSON; the DAGs create a
#   cluster from it before a run and delete it after (trigger_rule all_done), as the original did;
# - named: Terraform keeps one cluster up and the DAGs submit to it.
# Delta is the image's optional component DELTA; the jobs' other jars (the Kafka source, the Mongo
# connector, MariaDB's JDBC driver) are the `dataproc` profile of the platform's one pinned
# manifest (services/jvm/pom.xml), uploaded to gs://<artifacts>/jars/dataproc/ by the VM. Spark
# loads them at submit time: no node runs an initialisation script (the three Python packages the
# `datalake` package needs are Dataproc's own pip.packages property).

locals {
  artifacts = "gs://${google_storage_bucket.artifacts.name}"
  metastore = "thrift://${google_compute_address.vm.address}:9083"

  dataproc_properties = merge(
    {
      "spark:spark.jars"                                                  = "${local.artifacts}/jars/dataproc/*.jar"
      "spark:spark.sql.extensions"                                        = "io.delta.sql.DeltaSparkSessionExtension"
      "spark:spark.sql.catalog.spark_catalog"                             = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
      "spark:spark.hadoop.hive.metastore.uris"                            = local.metastore
      "hive:hive.metastore.uris"                                          = local.metastore
      "spark:spark.sql.hive.metastorePartitionPruningFallbackOnException" = "true"
      # What the `datalake` package (gs://<artifacts>/python/datalake.zip) imports beyond the image:
      # the pins of pyproject.toml, installed from PyPI through the subnet's NAT at cluster creation.
      "dataproc:pip.packages" = "pydantic==2.12.5,pydantic-settings==2.16.3,pymysql==1.1.2"
    },
    var.dataproc_worker_count == 0 ? { "dataproc:dataproc.allow.zero.workers" = "true" } : {}
  )

  # Dataproc API ClusterConfig: what DataprocCreateClusterOperator takes as cluster_config.
  ephemeral_cluster_config = {
    config_bucket = google_storage_bucket.artifacts.name
    temp_bucket   = google_storage_bucket.artifacts.name
    gce_cluster_config = {
      subnetwork_uri         = google_compute_subnetwork.lake.self_link
      internal_ip_only       = true
      service_account        = google_service_account.dataproc.email
      service_account_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
      tags                   = ["${var.name}-dataproc"]
      zone_uri               = var.zone
    }
    master_config = { num_instances = 1, machine_type_uri = var.dataproc_machine_type }
    worker_config = { num_instances = var.dataproc_worker_count, machine_type_uri = var.dataproc_machine_type }
    software_config = {
      image_version       = var.dataproc_image_version
      optional_components = ["DELTA"]
      properties          = local.dataproc_properties
    }
    lifecycle_config = { idle_delete_ttl = { seconds = 3600 } }
  }
}

resource "google_storage_bucket_object" "ephemeral_cluster_config" {
  name         = "config/dataproc-cluster.json"
  bucket       = google_storage_bucket.artifacts.name
  content      = jsonencode(local.ephemeral_cluster_config)
  content_type = "application/json"
}

resource "google_dataproc_cluster" "named" {
  count  = var.dataproc_mode == "named" ? 1 : 0
  name   = "${var.name}-spark"
  region = var.region

  cluster_config {
    staging_bucket = google_storage_bucket.artifacts.name
    temp_bucket    = google_storage_bucket.artifacts.name

    gce_cluster_config {
      zone                   = var.zone
      subnetwork             = google_compute_subnetwork.lake.id
      internal_ip_only       = true
      service_account        = google_service_account.dataproc.email
      service_account_scopes = ["cloud-platform"]
      tags                   = ["${var.name}-dataproc"]

      shielded_instance_config {
        enable_secure_boot = true
      }
    }

    master_config {
      num_instances = 1
      machine_type  = var.dataproc_machine_type
    }

    worker_config {
      num_instances = var.dataproc_worker_count
      machine_type  = var.dataproc_machine_type
    }

    software_config {
      image_version       = var.dataproc_image_version
      optional_components = ["DELTA"]
      override_properties = local.dataproc_properties
    }
  }

  depends_on = [
    google_project_iam_member.dataproc,
    google_storage_bucket_iam_member.object_admin,
    google_compute_router_nat.lake,
  ]
}
