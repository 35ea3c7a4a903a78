"""Airflow plugins of the provider: the api-server's receiver of HeyGen's signed webhook deliveries."""
