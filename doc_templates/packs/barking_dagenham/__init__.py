"""London Borough of Barking and Dagenham, Adults Care and Support."""
