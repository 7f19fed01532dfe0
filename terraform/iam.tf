# Two service accounts, each with only what it does:
# - the VM's submits Dataproc work (and, in ephemeral mode, creates and deletes clusters), runs as
#   the Dataproc account for that, and uploads jobs and jars;
# - the Dataproc nodes' reads and writes the lake and reads the artifacts.

resource "google_service_account" "vm" {
  account_id   = "${var.name}-vm"
  display_name = "Data lake platform VM (Airflow, Kafka, Connect, MariaDB, Mongo)"
}

resource "google_service_account" "dataproc" {
  account_id   = "${var.name}-dataproc"
  display_name = "Data lake Dataproc nodes"
}

resource "google_project_iam_member" "vm" {
  for_each = toset(["roles/dataproc.editor", "roles/logging.logWriter", "roles/monitoring.metricWriter"])
  project  = var.project_id
  role     = each.value
  member   = "serviceAccount:${google_service_account.vm.email}"
}

resource "google_project_iam_member" "dataproc" {
  for_each = toset(["roles/dataproc.worker", "roles/logging.logWriter", "roles/monitoring.metricWriter"])
  project  = var.project_id
  role     = each.value
  member   = "serviceAccount:${google_service_account.dataproc.email}"
}

# The VM may start clusters and jobs that run as the Dataproc account, and no other.
resource "google_service_account_iam_member" "vm_acts_as_dataproc" {
  service_account_id = google_service_account.dataproc.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.vm.email}"
}

# Connect's lake sink (on the VM) and the Spark jobs (on Dataproc) write the lake; the VM uploads
# jobs and jars to the artifacts bucket, where Dataproc also stages. Object admin on these two
# buckets only, nothing project-wide.
locals {
  buckets  = { lake = google_storage_bucket.lake.name, artifacts = google_storage_bucket.artifacts.name }
  accounts = { vm = google_service_account.vm.email, dataproc = google_service_account.dataproc.email }
}

resource "google_storage_bucket_iam_member" "object_admin" {
  for_each = { for pair in setproduct(keys(local.buckets), keys(local.accounts)) : join("-", pair) => pair }
  bucket   = local.buckets[each.value[0]]
  role     = "roles/storage.objectAdmin"
  member   = "serviceAccount:${local.accounts[each.value[1]]}"
}

# IAP SSH for the named admins only.
resource "google_project_iam_member" "iap_tunnel" {
  for_each = toset(var.admin_members)
  project  = var.project_id
  role     = "roles/iap.tunnelResourceAccessor"
  member   = each.value
}
