"""London Borough of Havering, Adult Social Care."""
