/* lib_ns */
