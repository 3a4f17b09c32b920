"""Demo shipping details for the example shop's tests and benchmarks."""

DEMO_SHIPPING_ADDRESS = {
    "first_name": "Kari",
    "last_name": "Nordmann",
    "line1": "Karl Johans gate 1",
    "line4": "Oslo",
    "postcode": "0154",
    "country": "NO",
    "phone_number": "+4791234567",
}
