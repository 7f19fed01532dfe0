# A private network: no external IPs, egress through Cloud NAT (PyPI, Maven Central), SSH only
# through Identity-Aware Proxy, and the Dataproc nodes may reach the VM's data services.

resource "google_compute_network" "lake" {
  name                    = "${var.name}-net"
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "lake" {
  name                     = "${var.name}-subnet"
  region                   = var.region
  network                  = google_compute_network.lake.id
  ip_cidr_range            = var.subnet_cidr
  private_ip_google_access = true
}

resource "google_compute_router" "lake" {
  name    = "${var.name}-router"
  region  = var.region
  network = google_compute_network.lake.id
}

resource "google_compute_router_nat" "lake" {
  name                               = "${var.name}-nat"
  router                             = google_compute_router.lake.name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"
}

# Google's IAP TCP-forwarding range: the only way in from outside.
resource "google_compute_firewall" "iap_ssh" {
  name          = "${var.name}-iap-ssh"
  network       = google_compute_network.lake.id
  direction     = "INGRESS"
  source_ranges = ["35.235.240.0/20"]
  target_tags   = ["${var.name}-vm"]

  allow {
    protocol = "tcp"
    ports    = ["22"]
  }
}

# Dataproc jobs read Kafka and Mongo, use the Hive metastore and write marts to MariaDB on the VM.
resource "google_compute_firewall" "dataproc_to_vm" {
  name                    = "${var.name}-dataproc-to-vm"
  network                 = google_compute_network.lake.id
  direction               = "INGRESS"
  source_service_accounts = [google_service_account.dataproc.email]
  target_service_accounts = [google_service_account.vm.email]

  allow {
    protocol = "tcp"
    ports    = ["9092", "9083", "3306", "27017"]
  }
}

# Dataproc's nodes talk to each other on every port (YARN, HDFS, shuffle).
resource "google_compute_firewall" "dataproc_internal" {
  name                    = "${var.name}-dataproc-internal"
  network                 = google_compute_network.lake.id
  direction               = "INGRESS"
  source_service_accounts = [google_service_account.dataproc.email]
  target_service_accounts = [google_service_account.dataproc.email]

  allow {
    protocol = "all"
  }
}

resource "google_compute_address" "vm" {
  name         = "${var.name}-vm-internal"
  region       = var.region
  subnetwork   = google_compute_subnetwork.lake.id
  address_type = "INTERNAL"
}
