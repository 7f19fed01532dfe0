# The lake (gs://<name>-lake-<project>/lake/{raw,curated,gold,...}) and the artifacts bucket (job
# files, the pinned jars, Dataproc's staging and temp). Neither can ever be public.

resource "google_storage_bucket" "lake" {
  name                        = "${var.name}-lake-${var.project_id}"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  # The raw zone is replayable from Kafka and the sources for a while, then only its curated form is kept.
  lifecycle_rule {
    condition {
      age            = var.raw_retention_days
      matches_prefix = ["lake/raw/"]
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.noncurrent_version_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket" "artifacts" {
  name                        = "${var.name}-artifacts-${var.project_id}"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  lifecycle_rule {
    condition {
      age            = 7
      matches_prefix = ["dataproc-temp/"]
    }
    action {
      type = "Delete"
    }
  }
}
