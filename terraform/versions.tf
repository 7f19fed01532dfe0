# Terraform and provider pins. `terraform init` (on a machine that reaches registry.terraform.io)
# installs exactly this provider range and writes .terraform.lock.hcl.
terraform {
  required_version = ">= 1.6"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 7.45"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
  zone    = var.zone
}
