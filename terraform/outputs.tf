output "lake_url" {
  description = "Root of the lake (LAKE_ROOT in gcp mode)."
  value       = "gs://${google_storage_bucket.lake.name}/lake"
}

output "artifacts_bucket" {
  description = "Job files, pinned jars and Dataproc staging."
  value       = google_storage_bucket.artifacts.name
}

output "vm_name" {
  description = "The platform VM."
  value       = google_compute_instance.platform.name
}

output "vm_internal_ip" {
  description = "The VM's private address (Kafka, metastore, MariaDB, Mongo for Dataproc)."
  value       = google_compute_address.vm.address
}

output "ssh_command" {
  description = "SSH to the VM through Identity-Aware Proxy."
  value       = "gcloud compute ssh ${google_compute_instance.platform.name} --zone ${var.zone} --tunnel-through-iap"
}

output "airflow_tunnel_command" {
  description = "Forward the Airflow UI to http://127.0.0.1:8080 on your machine."
  value       = "gcloud compute ssh ${google_compute_instance.platform.name} --zone ${var.zone} --tunnel-through-iap -- -N -L 8080:127.0.0.1:8080"
}

output "dataproc_cluster" {
  description = "The named cluster, or the name the DAGs give their ephemeral clusters."
  value       = var.dataproc_mode == "named" ? google_dataproc_cluster.named[0].name : "${var.name}-spark (ephemeral)"
}

output "dataproc_cluster_config" {
  description = "gs:// URL of the ephemeral cluster's Dataproc API config."
  value       = "gs://${google_storage_bucket.artifacts.name}/${google_storage_bucket_object.ephemeral_cluster_config.name}"
}

output "service_accounts" {
  description = "The VM's and the Dataproc nodes' service accounts."
  value = {
    vm       = google_service_account.vm.email
    dataproc = google_service_account.dataproc.email
  }
}
