# The VM runs the native platform (start.sh) for what GCP does not host here: Kafka, Kafka
# Connect, MariaDB, the Mongo-compatible server, the Hive metastore on PostgreSQL and Airflow. With
# LAKE_MODE=gcp the lake is the bucket and Spark runs on Dataproc. Managed alternatives (Cloud SQL
# for MariaDB/PostgreSQL, Managed Kafka, Composer) are a good trade at scale but would split this
# one-machine platform into five bills and five setups; see terraform/README.md.

resource "google_compute_instance" "platform" {
  name         = "${var.name}-vm"
  zone         = var.zone
  machine_type = var.vm_machine_type
  tags         = ["${var.name}-vm"]

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
      size  = var.vm_disk_gb
      type  = "pd-balanced"
    }
  }

  # No access_config: no external IP. Egress through Cloud NAT, SSH through IAP.
  network_interface {
    subnetwork = google_compute_subnetwork.lake.id
    network_ip = google_compute_address.vm.address
  }

  service_account {
    email  = google_service_account.vm.email
    scopes = ["cloud-platform"]
  }

  shielded_instance_config {
    enable_secure_boot          = true
    enable_vtpm                 = true
    enable_integrity_monitoring = true
  }

  metadata = {
    enable-oslogin         = "TRUE"
    block-project-ssh-keys = "TRUE"
  }

  metadata_startup_script = templatefile("${path.module}/startup.sh.tftpl", {
    repo_url        = var.repo_url
    repo_ref        = var.repo_ref
    project_id      = var.project_id
    region          = var.region
    lake_bucket     = google_storage_bucket.lake.name
    artifacts       = google_storage_bucket.artifacts.name
    dataproc_mode   = var.dataproc_mode
    dataproc_name   = "${var.name}-spark"
    dataproc_config = google_storage_bucket_object.ephemeral_cluster_config.name
  })

  depends_on = [google_compute_router_nat.lake]
}
